// Backends: which service runs where, from a JSON file (`--backends FILE`), validated like a
// scenario (every problem named by its field path):
//
//   {"dynamodb": {"mode": "real", "endpoint": "http://127.0.0.1:8000", "region": "us-east-1",
//                 "table_prefix": "ci-", "delete_tables_after": true},
//    "cognito": {"mode": "real", "endpoint": "http://127.0.0.1:8000",
//                "pre_token_generation_lambda": "arn:aws:lambda:us-east-1:123456789012:function:claims"},
//    "bedrock": {"mode": "real", "endpoint": "http://127.0.0.1:8000"}, "weather": {"mode": "fake"},
//    "knowledge_base": {"mode": "real", "endpoint": "http://127.0.0.1:8000",
//                       "role_arn": "arn:aws:iam::123456789012:role/kb", "storage_configuration": {...}},
//    "agents": {"mode": "real", "endpoint": "http://127.0.0.1:8000",
//               "aliases": {"AGENTPREM1": {"agent_id": "ABCDEFGHIJ", "alias_id": "TSTALIASID"}}},
//    "fakes_serve": "http://127.0.0.1:8000"}
//
// "fake" (the default for a service not named) is the in-process fake; "real" is our client for
// the service's wire protocol, against `endpoint` (AWS's regional endpoint when omitted).
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), else the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE
// or "default"). The weather API ("endpoint" defaults to https://api.openweathermap.org) is not
// signed: it takes the API key from OPENWEATHERMAP_API_KEY when that is set, else the system's
// configured key (what `fakes serve` accepts).
//
// "fakes_serve" says the endpoints are a `tenantsim fakes serve --clock caller`: a `run` then links
// to it (harness/aws/fakes_link.h) and may put every service there, each request on the run's
// virtual clock, each model account signing with a key of its own, agents deployed per account on
// first use, and no AWS credentials needed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/ports/agent_service.h"
#include "core/ports/knowledge_base.h"
#include "core/ports/model_runtime.h"
#include "core/ports/table.h"
#include "core/ports/weather_api.h"
#include "fakes/wire/sigv4.h"
#include "harness/aws/aws_json_client.h"
#include "harness/aws/fakes_link.h"
#include "harness/aws/real_bedrock_agents.h"
#include "harness/aws/real_cognito.h"
#include "harness/port_overrides.h"

namespace tenantsim::aws {

struct RealService {
  std::string endpoint;  // URL
  std::string region = "us-east-1";
  std::string table_prefix;        // DynamoDB: prepended to every table name
  bool delete_tables_after = true; // DynamoDB: drop the run's tables when it ends
  std::string issuer_base;                  // Cognito: its tokens' issuer before "/{pool}" (AWS's form if empty)
  std::string pre_token_generation_lambda;  // Cognito: the V2 trigger that puts tenant claims in access tokens
  // Knowledge bases: `endpoint` is Agents for Amazon Bedrock (the control plane), this its runtime
  // (Retrieve); the rest is what CreateKnowledgeBase needs in AWS.
  std::string runtime_endpoint;
  std::string role_arn;
  std::string embedding_model_arn;
  nlohmann::json storage_configuration;
  // Bedrock Agents: a tier's bedrock_agent_id -> AWS's agent and alias ids.
  std::map<std::string, AgentRef> agent_aliases;
};

struct Backends {
  std::optional<RealService> dynamodb;  // nullopt: the in-process fake
  std::optional<RealService> cognito;
  std::optional<RealService> bedrock;
  std::optional<RealService> weather;
  std::optional<RealService> knowledge_base;
  std::optional<RealService> agents;
  // The `tenantsim fakes serve --clock caller` every "real" endpoint is, for a virtual-time run
  // (harness/aws/fakes_link.h); empty: the endpoints are whatever they are (AWS).
  std::string fakes_serve;
  bool any_real() const { return dynamodb || cognito || bedrock || weather || knowledge_base || agents; }
};

Result<Backends> parse_backends(const nlohmann::json& j, const std::string& where);
Result<Backends> load_backends(const std::string& path);

// The standard AWS credential chain's first two links (see above). Errors say where it looked.
Result<wire::SigV4Credentials> load_credentials();

// A Database that puts `prefix` before every table name, and remembers the tables it created so
// that a run can drop them (LevelDB's EnvWrapper shape: forward everything, change one thing).
class PrefixedDatabase final : public Database {
 public:
  PrefixedDatabase(std::unique_ptr<Database> inner, std::string prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix)) {}

  Status create_table(TableSchema schema) override;
  Status delete_table(const std::string& name) override;
  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override {
    return inner_->open(prefix_ + name, std::move(scope));
  }
  // Drops every table this object created; returns the first failure, after trying them all.
  Status drop_created();

 private:
  std::unique_ptr<Database> inner_;
  std::string prefix_;
  std::vector<std::string> created_;
};

// The Database of a real DynamoDB backend (client, prefix), ready for the system.
Result<std::unique_ptr<PrefixedDatabase>> make_dynamodb(const RealService& service, uint64_t seed, FakesLink* link = nullptr);

// The IdentityProvider of a real Cognito backend (harness/aws/real_cognito.h).
Result<std::unique_ptr<RealCognito>> make_cognito(const RealService& service, uint64_t seed, FakesLink* link = nullptr);

// The ModelRuntime of a real Bedrock runtime backend (harness/aws/real_bedrock.h).
Result<std::unique_ptr<ModelRuntime>> make_bedrock(const RealService& service, uint64_t seed, FakesLink* link = nullptr);

// The KnowledgeBase of real Bedrock knowledge bases (harness/aws/real_knowledge_base.h).
Result<std::unique_ptr<KnowledgeBase>> make_knowledge_base(const RealService& service, uint64_t seed, FakesLink* link = nullptr);

// The AgentService of real Bedrock Agents (harness/aws/real_bedrock_agents.h).
Result<std::unique_ptr<AgentService>> make_agents(const RealService& service, uint64_t seed, FakesLink* link = nullptr);

// The WeatherApi of a real OpenWeatherMap backend (harness/aws/real_weather.h).
std::unique_ptr<WeatherApi> make_weather(const RealService& service, uint64_t seed, FakesLink* link = nullptr);

// Every real client a Backends file asks for, made at once, and the ports they give the world.
struct RealClients {
  std::unique_ptr<PrefixedDatabase> dynamodb;
  std::unique_ptr<RealCognito> cognito;
  std::unique_ptr<ModelRuntime> bedrock;
  std::unique_ptr<WeatherApi> weather;
  std::unique_ptr<KnowledgeBase> knowledge_base;
  std::unique_ptr<AgentService> agents;
  bool drop_tables = false;  // the DynamoDB backend's delete_tables_after
  // The world's overrides: each client made, Cognito's mailbox (`fakes serve`'s stand-in for the
  // e-mail), and with a link the attack tokens signed by `fakes serve`.
  PortOverrides ports(FakesLink* link) const;
};
// A client that cannot be made (no credentials, say) is an error naming the service.
Result<RealClients> make_clients(const Backends& backends, uint64_t seed, FakesLink* link = nullptr);

}  // namespace tenantsim::aws
