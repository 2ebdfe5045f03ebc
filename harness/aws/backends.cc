#include "harness/aws/backends.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

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
    if (!kServices.count(service)) {
      problems.push_back(at + ": unknown service (dynamodb, cognito, bedrock, weather, knowledge_base, agents)");
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
};

Result<std::shared_ptr<AwsJsonClient>> client_for(const RealService& service, const Protocol& protocol, uint64_t seed) {
  auto credentials = load_credentials();
  if (!credentials.ok()) return credentials.take_error();
  EndpointConfig c;
  c.url = service.endpoint;
  c.region = service.region;
  c.service = protocol.signing_name;
  c.target_prefix = protocol.target_prefix;
  c.content_type = protocol.content_type;
  c.request_timeout_ms = protocol.request_timeout_ms;
  c.credentials = std::move(*credentials);
  return std::make_shared<AwsJsonClient>(c, Rng(seed).split(std::string(protocol.signing_name) + "-client"));
}

}  // namespace

Result<std::unique_ptr<PrefixedDatabase>> make_dynamodb(const RealService& service, uint64_t seed) {
  auto client = client_for(service, {"dynamodb", "DynamoDB_20120810.", "application/x-amz-json-1.0"}, seed);
  if (!client.ok()) return client.take_error();
  return std::make_unique<PrefixedDatabase>(std::make_unique<RealDynamoDb>(*client), service.table_prefix);
}

Result<std::unique_ptr<RealCognito>> make_cognito(const RealService& service, uint64_t seed) {
  auto client = client_for(service, {"cognito-idp", "AWSCognitoIdentityProviderService.", "application/x-amz-json-1.1"}, seed);
  if (!client.ok()) return client.take_error();
  return std::make_unique<RealCognito>(*client, CognitoOptions{service.issuer_base, service.pre_token_generation_lambda});
}

Result<std::unique_ptr<ModelRuntime>> make_bedrock(const RealService& service, uint64_t seed) {
  // A model answers in seconds, not milliseconds.
  auto client = client_for(service, {"bedrock", "", "application/json", 60000}, seed);
  if (!client.ok()) return client.take_error();
  return std::unique_ptr<ModelRuntime>(std::make_unique<RealBedrock>(*client));
}

Result<std::unique_ptr<KnowledgeBase>> make_knowledge_base(const RealService& service, uint64_t seed) {
  auto control = client_for(service, {"bedrock", "", "application/json"}, seed);
  if (!control.ok()) return control.take_error();
  // One server for both (fakes serve): one client, one connection.
  auto runtime = control;
  if (!service.runtime_endpoint.empty() && service.runtime_endpoint != service.endpoint) {
    RealService runtime_service = service;
    runtime_service.endpoint = service.runtime_endpoint;
    runtime = client_for(runtime_service, {"bedrock", "", "application/json"}, seed + 1);
    if (!runtime.ok()) return runtime.take_error();
  }
  KnowledgeBaseOptions options;
  if (!service.role_arn.empty()) options.role_arn = service.role_arn;
  if (!service.embedding_model_arn.empty()) options.embedding_model_arn = service.embedding_model_arn;
  options.storage_configuration = service.storage_configuration;
  return std::unique_ptr<KnowledgeBase>(std::make_unique<RealKnowledgeBase>(*control, *runtime, std::move(options)));
}

Result<std::unique_ptr<AgentService>> make_agents(const RealService& service, uint64_t seed) {
  // An agent's turn is several model calls: minutes, not seconds, at worst.
  auto client = client_for(service, {"bedrock", "", "application/json", 120000}, seed);
  if (!client.ok()) return client.take_error();
  return std::unique_ptr<AgentService>(std::make_unique<RealBedrockAgents>(*client, service.agent_aliases));
}

std::unique_ptr<WeatherApi> make_weather(const RealService& service, uint64_t seed) {
  EndpointConfig c;  // unsigned: the API key is a query parameter
  c.url = service.endpoint;
  c.region = service.region;
  const char* key = std::getenv("OPENWEATHERMAP_API_KEY");
  return std::make_unique<RealWeather>(std::make_shared<AwsJsonClient>(c, Rng(seed).split("weather-client")), key ? key : "");
}

}  // namespace tenantsim::aws
