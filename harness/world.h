// World: the system under test wired to the in-process fakes on one virtual clock. Tests,
// benchmarks and the CLI build the same world, so what the tests prove is what the runs use.
#pragma once

#include <functional>
#include <memory>
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
#include "harness/defects/prefix_scoped_database.h"
#include "harness/faults/faulty_database.h"
#include "harness/faults/faulty_identity.h"
#include "harness/faults/faulty_knowledge_base.h"
#include "harness/faults/faulty_model.h"
#include "harness/faults/faulty_weather.h"
#include "harness/port_overrides.h"

namespace tenantsim {

struct WorldOptions {
  uint64_t seed = 42;
  Time start = from_unix_seconds(1704067200);  // 2024-01-01T00:00:00Z
  std::string data_dir;                        // tiers.json and prices-*.json
  std::string price_catalog = "prices-on-demand.json";
  DefectSet defects;
  VerifierPolicy verifier;
  // When set, used instead of reading tiers.json / price_catalog (a scenario's what-if edits).
  nlohmann::json tiers_doc;
  nlohmann::json prices_doc;
  // When set, the fakes and the system run on this clock (a WallClock for `serve`) instead of the
  // world's virtual one, and create() does not start the system: the caller runs start() on the
  // clock's loop. The clock must outlive the world.
  Clock* wall_clock = nullptr;
  // A world on a wall clock listens (serve, load): its fake Cognito signs with keys made for the
  // process, unless this asks for the published fixtures (tests that compare token bytes, never a
  // server anyone else can reach). Virtual-time worlds always use the fixtures.
  bool fixture_keys = false;
  RuntimeSize runtime_size;  // of the agent runtimes (core/domain/tenants.h)
  // Ports that are not the fakes here (real endpoints, `fakes serve`).
  PortOverrides ports;
  // When set, called with the world's clock before the system makes its first call (a link to a
  // cloud in another process that must follow the world's time).
  std::function<void(const Clock&)> on_clock;
};

// Reads and parses a JSON file; errors name the file and the position.
Result<nlohmann::json> read_json_file(const std::string& path);

class World {
 public:
  static Result<std::unique_ptr<World>> create(WorldOptions options);

  VirtualClock clock;  // simulated time (idle when the world runs on a wall clock)
  Clock& time;         // the clock the fakes and the system run on
  FakeCognito cognito;
  FakeBedrock bedrock;
 private:
  std::shared_ptr<FaultInjector> model_plan_;  // the scenario's Bedrock fault plan, one for both below
 public:
  // The model the Bedrock Agents fake orchestrates on: the model fake under that plan.
  FaultyModelRuntime agents_model;
  FakeBedrockAgents agents{agents_model};  // Bedrock Agents, running on the model fake
  FakeDynamoDb dynamodb;
  FakeWeather weather;
  FakeKnowledgeBase knowledge;
  FakeMetrics metrics;  // the consumption events the system emits (CloudWatch)
  std::unique_ptr<System> system;

  // Runs one API call to completion, driving the virtual clock if a fake sleeps.
  ApiResponse call(const std::string& method, const std::string& path, const std::string& token = "",
                   const nlohmann::json& body = nlohmann::json());
  template <class T>
  T run(Task<T> t) {
    return run_to_completion(clock, std::move(t));
  }

  // The scenario's DynamoDB faults, at the system's Database port whatever serves it.
  FaultyDatabase& dynamodb_faults() { return *dynamodb_faults_; }
  // The scenario's Bedrock faults, at the system's ModelRuntime port (and the agents fake's model).
  FaultyModelRuntime& model_faults() { return model_faults_ ? *model_faults_ : agents_model; }
  // The scenario's Cognito faults, at the system's IdentityProvider port.
  FaultyIdentityProvider& cognito_faults() { return *identity_faults_; }
  // The scenario's knowledge-base faults, at the system's KnowledgeBase port.
  FaultyKnowledgeBase& knowledge_base_faults() { return *knowledge_faults_; }
  // The scenario's weather API faults, at the system's WeatherApi port.
  FaultyWeatherApi& weather_faults() { return *weather_faults_; }
  // The failures each service's plan injected so far, by service ("bedrock", "dynamodb",
  // "cognito", "knowledge_base", "weather"), and those injected in [from, to] (the journals' recent ones).
  std::map<std::string, uint64_t> injected_failures() const;
  std::vector<std::pair<std::string, InjectedFault>> injected_between(Time from, Time to) const;

  // The ports the system runs on (the fakes', or the real ones of WorldOptions).
  IdentityProvider& identity() { return *identity_; }
  KnowledgeBase& knowledge_bases() { return *knowledge_; }
  // `claims_json` signed with the pool's own key (an attack's token); "" for an unknown pool.
  std::string sign_claims(const std::string& pool_id, const std::string& claims_json) const;

  // The confirmation code the system's Cognito e-mailed to `username` (empty: none, or unknown).
  std::string mailbox(const std::string& client_id, const std::string& username) const;

  // Registers (and confirms) a user of a new tenant; returns the ID token.
  struct Account {
    std::string tenant_id;
    std::string username;
    std::string password;
    std::string sub;
    std::string token;  // ID token
  };
  // Its first user is `username` ("owner@{tenant}" when empty).
  Result<Account> new_tenant(const std::string& tenant_id, const std::string& tier, bool admin = true,
                             int utc_offset_minutes = 0, const std::string& username = "",
                             const std::string& time_zone = "");  // an IANA name instead of the offset
  // new_tenant, with the sign-up first meeting an injected Cognito failure at each of its calls in
  // turn (the first call, then the second, ...), sent again after each until it gets through: a
  // registration that failed half-way must leave nothing behind (the tenant id, the user, a pool)
  // that refuses the same registration sent again. A 4xx to a retry is the system's refusal.
  Result<Account> new_tenant_through_faults(const std::string& tenant_id, const std::string& tier);
  // A further user created by the tenant's admin; returns its ID token.
  Result<Account> add_user(const Account& admin, const std::string& username);
  Result<std::string> login(const Account& account);

 private:
  World(WorldOptions options, SystemConfig config);
  Result<Account> sign_up(const std::string& tenant_id, const std::string& tier, bool admin, int utc_offset_minutes,
                          const std::string& username, const std::string& time_zone, bool through_faults);
  std::function<std::string(const std::string&, const std::string&)> identity_mailbox_;
  std::function<std::string(const std::string&, const std::string&)> sign_claims_;
  std::vector<std::pair<const char*, const FaultGate*>> fault_gates() const;
  std::unique_ptr<FaultyDatabase> dynamodb_faults_;
  std::unique_ptr<PrefixScopedDatabase> prefix_scope_;  // the leading-key-prefix-match defect, when on
  std::unique_ptr<FaultyModelRuntime> model_faults_;  // around a model that is not the fake
  std::unique_ptr<FaultyIdentityProvider> identity_faults_;
  std::unique_ptr<FaultyKnowledgeBase> knowledge_faults_;
  std::unique_ptr<FaultyWeatherApi> weather_faults_;
  IdentityProvider* identity_ = nullptr;
  KnowledgeBase* knowledge_ = nullptr;
};

}  // namespace tenantsim
