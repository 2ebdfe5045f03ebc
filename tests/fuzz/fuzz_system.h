// The system on its in-process fakes, built once per fuzzing process, without the harness (whose
// Asio and Beast code the fuzz build leaves out): what the API request target drives. One tenant is
// registered, confirmed and signed in at start, so inputs that name it (or carry the literal
// TOKEN, replaced by its ID token) reach past authentication.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/api/router.h"
#include "core/api/system.h"
#include "fakes/bedrock/fake_bedrock.h"
#include "fakes/bedrock/fake_bedrock_agents.h"
#include "fakes/cloudwatch/fake_metrics.h"
#include "fakes/cognito/fake_cognito.h"
#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/fake_dynamodb.h"
#include "fakes/knowledge_base/fake_knowledge_base.h"
#include "fakes/weather/fake_weather.h"

namespace tenantsim::fuzz {

inline nlohmann::json data_file(const std::string& name) {
  std::ifstream in(std::string(TENANTSIM_DATA_DIR) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

struct FuzzSystem {
  FuzzSystem()
      : clock(from_unix_seconds(1704067200)),
        cognito(clock, Rng(1).split("cognito")),
        bedrock(clock, Rng(1).split("bedrock")),
        agents(bedrock),
        dynamodb(clock),
        weather(clock) {
    PlatformConfig platform;
    SystemConfig config{TierCatalog::from_json(data_file("tiers.json")).value(),
                        PriceCatalog::from_json(data_file("prices-on-demand.json")).value(), platform, VerifierPolicy{},
                        DefectSet{}, 1};
    weather.add_api_key(config.platform.weather_api_key, 600);
    system = std::make_unique<System>(
        SystemPorts{clock, cognito, bedrock, dynamodb, weather, knowledge, agents, nullptr, &metrics}, std::move(config));
    if (!run(system->start()).ok()) throw std::runtime_error("the system did not start");
    call("POST", "/api/register",
         R"({"tenant_id": "acme", "username": "ann", "password": "correct-horse-1", "subscription_tier": "premium", "admin": true})");
    const auto t = system->tenants().find("acme");
    call("POST", "/api/register/confirm",
         nlohmann::json{{"tenant_id", "acme"}, {"username", "ann"}, {"code", cognito.mailbox(t->client_id, "ann")}}.dump());
    token = call("POST", "/api/auth/login", R"({"tenant_id": "acme", "username": "ann", "password": "correct-horse-1"})")
                .body.value("id_token", "");
    if (token.empty()) throw std::runtime_error("the fuzz tenant could not sign in");
  }

  template <class T>
  T run(Task<T> t) {
    return run_to_completion(clock, std::move(t));
  }
  ApiResponse call(std::string method, std::string target, std::string body = "", std::string authorization = "") {
    const size_t q = target.find('?');
    ApiRequest req{std::move(method), target.substr(0, q), std::move(authorization), std::move(body),
                   q == std::string::npos ? std::map<std::string, std::string>{} : parse_query(target.substr(q + 1)),
                   std::nullopt, {}};
    return run(route(*system, std::move(req)));
  }

  VirtualClock clock;
  FakeCognito cognito;
  FakeBedrock bedrock;
  FakeBedrockAgents agents;
  FakeDynamoDb dynamodb;
  FakeWeather weather;
  FakeKnowledgeBase knowledge;
  FakeMetrics metrics;
  std::unique_ptr<System> system;
  std::string token;
};

}  // namespace tenantsim::fuzz
