#include "harness/aws/backends.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "harness/aws/real_bedrock.h"
#include "harness/aws/real_bedrock_agents.h"
#include "harness/aws/real_dynamodb.h"
#include "harness/aws/real_knowledge_base.h"
#include "harness/aws/real_weather.h"

namespace tenantsim::aws {

namespace {

using nlohmann::json;

const std::set<std::string> kServices = {"dynamodb", "cognito", "bedrock", "weather", "knowledge_base", "agents"};

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

}  // namespace

Result<Backends> parse_backends(const json& j, const std::string& where) {
  std::vector<std::string> problems;
  Backends out;
  if (!j.is_object()) return Error::make(ErrorKind::kBadRequest, "BadBackends", where + ": must be a JSON object");
  for (const auto& [service, spec] : j.items()) {
    const std::string at = where + ": " + service;
    if (service == "fakes_serve") {
      if (!spec.is_string() || !(spec.get<std::string>().starts_with("http://") || spec.get<std::string>().starts_with("https://")))
        problems.push_back(at + ": must be the http:// URL of a `tenantsim fakes serve --clock caller`");
      else out.fakes_serve = spec.get<std::string>();
      continue;
    }
    if (!kServices.count(service)) {
      problems.push_back(at + ": unknown service (dynamodb, cognito, bedrock, weather, knowledge_base, agents; or fakes_serve)");
      continue;
    }
    if (!spec.is_object()) {
      problems.push_back(at + ": must be an object");
      continue;
    }
    const std::string mode = spec.contains("mode") && spec["mode"].is_string() ? spec["mode"].get<std::string>() : "";
    if (mode != "fake" && mode != "real") {
      problems.push_back(at + ".mode: must be \"fake\" or \"real\"");
      continue;
    }
    static const std::map<std::string, std::set<std::string>> kServiceFields = {
        {"dynamodb", {"table_prefix", "delete_tables_after"}},
        {"cognito", {"issuer_base", "pre_token_generation_lambda"}},
        {"knowledge_base", {"runtime_endpoint", "role_arn", "embedding_model_arn", "storage_configuration"}},
        {"agents", {"aliases"}}};
    const auto own = kServiceFields.find(service);
    bool fields_ok = true;
    for (const auto& [field, v] : spec.items()) {
      const bool common = field == "mode" || field == "endpoint" || field == "region";
      if (!common && (own == kServiceFields.end() || !own->second.count(field))) {
        problems.push_back(fmt::format("{}.{}: unknown field", at, field));
        fields_ok = false;
      } else if (field == "delete_tables_after"                                 ? !v.is_boolean()
                 : field == "storage_configuration" || field == "aliases" ? !v.is_object()
                                                                          : !v.is_string()) {
        problems.push_back(fmt::format("{}.{}: must be {}", at, field,
                                       field == "delete_tables_after"     ? "true or false"
                                       : field == "storage_configuration" ? "an object (CreateKnowledgeBase's storageConfiguration)"
                                       : field == "aliases"               ? "an object of agent id -> {\"agent_id\", \"alias_id\"}"
                                                                          : "a string"));
        fields_ok = false;
      }
    }
    if (mode == "fake" || !fields_ok) continue;
    RealService r;
    r.region = spec.value("region", std::string("us-east-1"));
    const std::string host = service == "cognito"          ? "cognito-idp"
                             : service == "bedrock"        ? "bedrock-runtime"
                             : service == "knowledge_base" ? "bedrock-agent"
                             : service == "agents"         ? "bedrock-agent-runtime"
                                                           : service;
    r.endpoint = spec.value("endpoint", service == "weather" ? std::string("https://api.openweathermap.org")
                                                             : fmt::format("https://{}.{}.amazonaws.com", host, r.region));
    if (!r.endpoint.starts_with("http://") && !r.endpoint.starts_with("https://"))
      problems.push_back(at + ".endpoint: must be an http:// or https:// URL");
    if (service == "weather") {
      out.weather = r;
      continue;
    }
    if (service == "agents") {
      const json aliases = spec.value("aliases", json::object());  // named: items() must not outlive it
      for (const auto& [agent, ids] : aliases.items()) {
        const bool ok = ids.is_object() && ids.size() == 2 && ids.contains("agent_id") && ids["agent_id"].is_string() &&
                        ids.contains("alias_id") && ids["alias_id"].is_string();
        if (!ok) {
          problems.push_back(fmt::format("{}.aliases.{}: must be {{\"agent_id\": \"...\", \"alias_id\": \"...\"}}", at, agent));
          continue;
        }
        r.agent_aliases[agent] = AgentRef{ids["agent_id"].get<std::string>(), ids["alias_id"].get<std::string>()};
      }
      out.agents = r;
      continue;
    }
    if (service == "knowledge_base") {
      // One endpoint given (fakes serve): it serves the runtime too.
      r.runtime_endpoint = spec.value("runtime_endpoint", spec.contains("endpoint") ? r.endpoint
                                                                                    : fmt::format("https://bedrock-agent-runtime.{}.amazonaws.com", r.region));
      if (!r.runtime_endpoint.starts_with("http://") && !r.runtime_endpoint.starts_with("https://"))
        problems.push_back(at + ".runtime_endpoint: must be an http:// or https:// URL");
      r.role_arn = spec.value("role_arn", std::string());
      if (!r.role_arn.empty() && !r.role_arn.starts_with("arn:")) problems.push_back(at + ".role_arn: must be an IAM role ARN (arn:aws:iam::...)");
      r.embedding_model_arn = spec.value("embedding_model_arn", std::string());
      if (spec.contains("storage_configuration")) r.storage_configuration = spec["storage_configuration"];
      out.knowledge_base = r;
      continue;
    }
    if (service == "bedrock") {
      out.bedrock = r;
      continue;
    }
    if (service == "cognito") {
      r.issuer_base = spec.value("issuer_base", std::string());
      r.pre_token_generation_lambda = spec.value("pre_token_generation_lambda", std::string());
      if (!r.pre_token_generation_lambda.empty() && !r.pre_token_generation_lambda.starts_with("arn:"))
        problems.push_back(at + ".pre_token_generation_lambda: must be a Lambda function ARN (arn:aws:lambda:...)");
      out.cognito = r;
      continue;
    }
    r.table_prefix = spec.value("table_prefix", std::string());
    if (r.table_prefix.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
      problems.push_back(at + ".table_prefix: may hold only [a-zA-Z0-9_.-] (DynamoDB table names)");
    r.delete_tables_after = spec.value("delete_tables_after", true);
    out.dynamodb = r;
  }
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
    return Error::make(ErrorKind::kBadRequest, "BadBackends", all);
  }
  return out;
}

Result<Backends> load_backends(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::make(ErrorKind::kBadRequest, "BadBackends", path + ": cannot be read");
  auto j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return Error::make(ErrorKind::kBadRequest, "BadBackends", path + ": is not JSON");
  return parse_backends(j, path);
}

Result<wire::SigV4Credentials> load_credentials() {
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (id && secret && *id && *secret) {
    const char* token = std::getenv("AWS_SESSION_TOKEN");
    return wire::SigV4Credentials{id, secret, token ? token : ""};
  }
  std::string file;
  if (const char* f = std::getenv("AWS_SHARED_CREDENTIALS_FILE")) {
    file = f;
  } else if (const char* home = std::getenv("HOME")) {
    file = std::string(home) + "/.aws/credentials";
  }
  const char* profile_env = std::getenv("AWS_PROFILE");
  const std::string profile = profile_env && *profile_env ? profile_env : "default";
  std::ifstream in(file);
  wire::SigV4Credentials c;
  std::string line, section;
  while (in && std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != profile) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") c.access_key = v;
    if (k == "aws_secret_access_key") c.secret_key = v;
    if (k == "aws_session_token") c.session_token = v;
  }
  if (c.access_key.empty() || c.secret_key.empty())
    return Error::make(ErrorKind::kBadRequest, "NoCredentials",
                       fmt::format("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile "
                                   "[{}] in {}",
                                   profile, file.empty() ? "~/.aws/credentials" : file));
  return c;
}

Status PrefixedDatabase::create_table(TableSchema schema) {
  schema.name = prefix_ + schema.name;
  const std::string name = schema.name;
  auto st = inner_->create_table(std::move(schema));
  if (st.ok()) created_.push_back(name);
  return st;
}

Status PrefixedDatabase::delete_table(const std::string& name) {
  auto st = inner_->delete_table(prefix_ + name);
  if (st.ok()) std::erase(created_, prefix_ + name);
  return st;
}

Status PrefixedDatabase::drop_created() {
  Status first;
  for (const auto& name : created_) {
    auto st = inner_->delete_table(name);
    if (!st.ok() && st.error().name != "ResourceNotFoundException" && first.ok()) first = st;
  }
  created_.clear();
  return first;
}

namespace {

// A client for one service's endpoint, with the credential chain's credentials; `protocol` is the
// service's signing name, X-Amz-Target prefix and content type.
struct Protocol {
  const char* signing_name;
  const char* target_prefix;
  const char* content_type;
  int64_t request_timeout_ms = 10000;
  int max_attempts = EndpointConfig{}.max_attempts;
};

// How a client waits before a retry: the thread sleeps, except in a virtual-time run linked to
// `fakes serve`, where the wait is time the run's clock would pass and a blocking call cannot
// advance it: the retry goes at once, at the same virtual instant (a wall-clock sleep there would
// only make the run slower, not change what the fakes see).
std::function<void(int64_t)> retry_wait(FakesLink* link) {
  if (!link) return nullptr;
  return [](int64_t) {};
}

EndpointConfig config_for(const RealService& service, const Protocol& protocol) {
  EndpointConfig c;
  c.url = service.endpoint;
  c.region = service.region;
  c.service = protocol.signing_name;
  c.target_prefix = protocol.target_prefix;
  c.content_type = protocol.content_type;
  c.request_timeout_ms = protocol.request_timeout_ms;
  c.max_attempts = protocol.max_attempts;
  return c;
}

// The service's shared client: the credential chain's credentials, or with a link to `fakes serve`
// the platform's own key there, and the run's clock on every request.
Result<std::shared_ptr<AwsJsonClient>> client_for(const RealService& service, const Protocol& protocol, uint64_t seed,
                                                  FakesLink* link) {
  EndpointConfig c = config_for(service, protocol);
  auto credentials = link ? link->credentials_of("tenantsim-platform") : load_credentials();
  if (!credentials.ok()) return credentials.take_error();
  c.credentials = std::move(*credentials);
  if (link) c.caller_clock_ms = link->clock_ms();
  return std::make_shared<AwsJsonClient>(c, Rng(seed).split(std::string(protocol.signing_name) + "-client"), retry_wait(link));
}

// The per-account clients of a port whose calls name their account (Bedrock's runtime and agents).
Result<std::shared_ptr<AccountClients>> account_clients_for(const RealService& service, const Protocol& protocol,
                                                            uint64_t seed, FakesLink* link) {
  auto shared = client_for(service, protocol, seed, link);
  if (!shared.ok()) return shared.take_error();
  if (!link) return std::make_shared<AccountClients>(*shared);
  return std::make_shared<AccountClients>(*shared, link->clients_like((*shared)->config(), seed));
}

}  // namespace

Result<std::unique_ptr<PrefixedDatabase>> make_dynamodb(const RealService& service, uint64_t seed, FakesLink* link) {
  auto client = client_for(service, {"dynamodb", "DynamoDB_20120810.", "application/x-amz-json-1.0"}, seed, link);
  if (!client.ok()) return client.take_error();
  return std::make_unique<PrefixedDatabase>(std::make_unique<RealDynamoDb>(*client), service.table_prefix);
}

Result<std::unique_ptr<RealCognito>> make_cognito(const RealService& service, uint64_t seed, FakesLink* link) {
  auto client = client_for(service, {"cognito-idp", "AWSCognitoIdentityProviderService.", "application/x-amz-json-1.1"}, seed, link);
  if (!client.ok()) return client.take_error();
  return std::make_unique<RealCognito>(*client, CognitoOptions{service.issuer_base, service.pre_token_generation_lambda});
}

Result<std::unique_ptr<ModelRuntime>> make_bedrock(const RealService& service, uint64_t seed, FakesLink* link) {
  // A model answers in seconds, not milliseconds.
  auto clients = account_clients_for(service, {"bedrock", "", "application/json", 60000}, seed, link);
  if (!clients.ok()) return clients.take_error();
  return std::unique_ptr<ModelRuntime>(std::make_unique<RealBedrock>(*clients));
}

Result<std::unique_ptr<KnowledgeBase>> make_knowledge_base(const RealService& service, uint64_t seed, FakesLink* link) {
  auto control = client_for(service, {"bedrock", "", "application/json"}, seed, link);
  if (!control.ok()) return control.take_error();
  // One server for both (fakes serve): one client, one connection.
  auto runtime = control;
  if (!service.runtime_endpoint.empty() && service.runtime_endpoint != service.endpoint) {
    RealService runtime_service = service;
    runtime_service.endpoint = service.runtime_endpoint;
    runtime = client_for(runtime_service, {"bedrock", "", "application/json"}, seed + 1, link);
    if (!runtime.ok()) return runtime.take_error();
  }
  KnowledgeBaseOptions options;
  if (!service.role_arn.empty()) options.role_arn = service.role_arn;
  if (!service.embedding_model_arn.empty()) options.embedding_model_arn = service.embedding_model_arn;
  options.storage_configuration = service.storage_configuration;
  return std::unique_ptr<KnowledgeBase>(std::make_unique<RealKnowledgeBase>(*control, *runtime, std::move(options)));
}

Result<std::unique_ptr<AgentService>> make_agents(const RealService& service, uint64_t seed, FakesLink* link) {
  // An agent's turn is several model calls: minutes, not seconds, at worst. No transport retries:
  // an invocation the service counted and then failed is billed, and the system must see each
  // one it is billed for (a retry would be a second, unseen).
  auto clients = account_clients_for(service, {"bedrock", "", "application/json", 120000, 1}, seed, link);
  if (!clients.ok()) return clients.take_error();
  // Against fakes serve, each account's agents are deployed on first use (a silo tenant's own stack).
  return std::unique_ptr<AgentService>(std::make_unique<RealBedrockAgents>(*clients, service.agent_aliases, link != nullptr));
}

std::unique_ptr<WeatherApi> make_weather(const RealService& service, uint64_t seed, FakesLink* link) {
  EndpointConfig c;  // unsigned: the API key is a query parameter
  c.url = service.endpoint;
  c.region = service.region;
  if (link) c.caller_clock_ms = link->clock_ms();
  const char* key = std::getenv("OPENWEATHERMAP_API_KEY");
  return std::make_unique<RealWeather>(std::make_shared<AwsJsonClient>(c, Rng(seed).split("weather-client"), retry_wait(link)),
                                       key ? key : "");
}

Result<RealClients> make_clients(const Backends& backends, uint64_t seed, FakesLink* link) {
  RealClients c;
  std::optional<Error> failed;  // the first client that could not be made
  const auto take = [&failed](const char* service, auto made, auto& into) {
    if (failed) return;
    if (!made.ok()) {
      failed = made.take_error();
      failed->message = std::string(service) + ": " + failed->message;
      return;
    }
    into = std::move(*made);
  };
  if (backends.dynamodb) take("dynamodb", make_dynamodb(*backends.dynamodb, seed, link), c.dynamodb);
  if (backends.cognito) take("cognito", make_cognito(*backends.cognito, seed, link), c.cognito);
  if (backends.bedrock) take("bedrock", make_bedrock(*backends.bedrock, seed, link), c.bedrock);
  if (backends.knowledge_base) take("knowledge_base", make_knowledge_base(*backends.knowledge_base, seed, link), c.knowledge_base);
  if (backends.agents) take("agents", make_agents(*backends.agents, seed, link), c.agents);
  if (failed) return *failed;
  if (backends.weather) c.weather = make_weather(*backends.weather, seed, link);
  c.drop_tables = backends.dynamodb && backends.dynamodb->delete_tables_after;
  return c;
}

PortOverrides RealClients::ports(FakesLink* link) const {
  PortOverrides p;
  p.database = dynamodb.get();
  p.identity = cognito.get();
  if (cognito)
    p.identity_mailbox = [idp = cognito.get()](const std::string& client, const std::string& user) {
      return idp->fake_mailbox(client, user);
    };
  if (cognito && link)
    p.sign_claims = [link](const std::string& pool, const std::string& claims) {
      auto token = link->sign(pool, nlohmann::json::parse(claims));
      // An attack whose token could not be made would be judged on the wrong refusal: stop the run.
      if (!token.ok()) throw std::runtime_error("fakes serve could not sign an attack's token: " + token.error().message);
      return *token;
    };
  p.model = bedrock.get();
  p.weather = weather.get();
  p.knowledge = knowledge_base.get();
  p.agents = agents.get();
  return p;
}

}  // namespace tenantsim::aws
