// PortOverrides: the system's ports that run somewhere other than the world's in-process fakes (a
// real endpoint, `fakes serve`, a test's decorator). Each must outlive the world; a null one is the
// fake's, which then stays idle (its ledger empty).
#pragma once

#include <functional>
#include <string>

#include "core/ports/agent_service.h"
#include "core/ports/identity_provider.h"
#include "core/ports/knowledge_base.h"
#include "core/ports/model_runtime.h"
#include "core/ports/table.h"
#include "core/ports/weather_api.h"

namespace tenantsim {

struct PortOverrides {
  Database* database = nullptr;
  IdentityProvider* identity = nullptr;
  // With `identity`: where the codes it e-mails are read (`fakes serve` shows them; AWS does not:
  // unset reads none).
  std::function<std::string(const std::string& client_id, const std::string& username)> identity_mailbox;
  // With `identity`: how an attacker's validly signed token is made (claims signed with a pool's
  // own key; `fakes serve`'s signing hook). Unset: the in-process fake signs.
  std::function<std::string(const std::string& pool_id, const std::string& claims_json)> sign_claims;
  // The Bedrock runtime; the Bedrock Agents fake, unless `agents` replaces it too, keeps running
  // its agents on the in-process model.
  ModelRuntime* model = nullptr;
  WeatherApi* weather = nullptr;
  KnowledgeBase* knowledge = nullptr;
  AgentService* agents = nullptr;
};

}  // namespace tenantsim
