// CloudLedgers: what the providers recorded, the side of the wire the oracle reconciles the
// system's metering against: read from the world's in-process fakes, or from the `fakes serve`
// that was a run's cloud (GET /_fake/ledger), in one shape. Over the wire, knowledge bases and
// agents are named as the system knows them (their names), not by the ids the service gave them.
#pragma once

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "fakes/bedrock/fake_bedrock.h"
#include "fakes/bedrock/fake_bedrock_agents.h"
#include "fakes/knowledge_base/fake_knowledge_base.h"
#include "fakes/weather/fake_weather.h"

namespace tenantsim {

class World;

struct CloudLedgers {
  BedrockLedger model;
  AgentsLedger agents;
  WeatherLedger weather;
  KnowledgeBaseLedger knowledge;
};

CloudLedgers ledgers_of(const World& world);
// `doc` is /_fake/ledger's answer; a member of the wrong shape is an error naming it.
Result<CloudLedgers> ledgers_from_json(const nlohmann::json& doc);

}  // namespace tenantsim
