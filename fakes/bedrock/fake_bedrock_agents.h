// FakeBedrockAgents: Bedrock Agents' InvokeAgent over the model fake. The orchestration is the
// managed service's: up to three model calls, each function the model asks for sent to the
// caller's action group, the answer as the completion. Its model calls go through the model fake
// on the request's account, tagged with the sessionAttributes' tenant and user (what invocation
// logs would carry), so the model ledger stays the evidence of what was billed. Its own ledger
// counts invocations per agent and per session-attribute tenant, and the session ids it saw.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "core/ports/agent_service.h"

namespace tenantsim {

struct AgentsLedger {
  std::map<std::pair<std::string, std::string>, int64_t> invocations;  // (agent, tenant attribute) -> count
  std::set<std::string> session_ids;
};

class FakeBedrockAgents final : public AgentService {
 public:
  explicit FakeBedrockAgents(ModelRuntime& model) : model_(model) {}
  Task<InvokeAgentResponse> invoke_agent(InvokeAgentRequest request) override;
  AgentsLedger ledger() const;

 private:
  ModelRuntime& model_;
  mutable std::mutex mu_;
  AgentsLedger ledger_;
};

}  // namespace tenantsim
