#include "harness/world.h"

#include "scenarios/iana_zones.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <type_traits>

namespace tenantsim {

Result<nlohmann::json> read_json_file(const std::string& path) {
  const auto bad = [&](std::string why) {
    return Error::make(ErrorKind::kBadRequest, "FileNotReadable", fmt::format("{}: {}", path, why));
  };
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return bad("no such file");
  if (std::filesystem::is_directory(status)) return bad("is a directory, not a JSON file");
  std::ifstream in(path);
  if (!in) return bad(std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's text starts "[json.exception.parse_error.101] parse error at line 3, column 5: ";
    // keep the position and the reason, in the compiler's "file:line:column" style.
    std::string what = e.what();
    std::string reason = what;
    if (const auto colon = what.find(": "); colon != std::string::npos) reason = what.substr(colon + 2);
    std::string where = path;
    const std::string text = ss.str();
    if (e.byte > 0 && e.byte <= text.size() + 1) {
      size_t line = 1, column = 1;
      for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      where = fmt::format("{}:{}:{}", path, line, column);
    }
    return Error::make(ErrorKind::kBadRequest, "InvalidJson", fmt::format("{}: not valid JSON: {}", where, reason));
  }
}

namespace {

// The system's refusal of an onboarding step as an Error whose kind keeps its HTTP class: the
// simulation judges a 4xx to a legitimate sign-up as the system's failure, where a 5xx may be the
// environment's.
Error refused(const ApiResponse& r, const char* fallback) {
  return Error::make(error_kind_of_status(r.status), r.body.value("code", fallback), r.body.dump());
}

// A fault decorator over the port's override when there is one, else over the world's fake, with
// a stream of the seed's own.
template <class Faulty, class Port>
std::unique_ptr<Faulty> under_faults(Port* override, std::type_identity_t<Port>& fake, Clock& clock, uint64_t seed,
                                    const char* stream) {
  return std::make_unique<Faulty>(override ? *override : fake, clock, Rng(seed).split(stream));
}

}  // namespace

Result<std::unique_ptr<World>> World::create(WorldOptions options) {
  Result<nlohmann::json> tiers_doc = options.tiers_doc;
  if (options.tiers_doc.is_null()) tiers_doc = read_json_file(options.data_dir + "/tiers.json");
  if (!tiers_doc.ok()) return tiers_doc.take_error();
  Result<nlohmann::json> prices_doc = options.prices_doc;
  if (options.prices_doc.is_null()) prices_doc = read_json_file(options.data_dir + "/" + options.price_catalog);
  if (!prices_doc.ok()) return prices_doc.take_error();
  auto tiers = TierCatalog::from_json(*tiers_doc);
  if (!tiers.ok()) return tiers.take_error();
  auto prices = PriceCatalog::from_json(*prices_doc);
  if (!prices.ok()) return prices.take_error();
  PlatformConfig platform;
  platform.runtime_size = options.runtime_size;
  SystemConfig config{std::move(tiers).value(), std::move(prices).value(), std::move(platform), options.verifier,
                      options.defects, options.seed};
  const bool wall = options.wall_clock != nullptr;
  std::unique_ptr<World> w(new World(std::move(options), std::move(config)));
  if (wall) return w;
  auto st = w->run(w->system->start());
  if (!st.ok()) return st.take_error();
  return w;
}

World::World(WorldOptions options, SystemConfig config)
    : clock(options.start),
      time(options.wall_clock ? *options.wall_clock : static_cast<Clock&>(clock)),
      cognito(time, Rng(options.seed).split("cognito"),
              CognitoQuotas::with_fresh_keys(options.wall_clock != nullptr && !options.fixture_keys)),
      bedrock(time, Rng(options.seed).split("bedrock")),
      model_plan_(std::make_shared<FaultInjector>(Rng(options.seed).split("bedrock-faults"))),
      agents_model(bedrock, time, model_plan_),
      dynamodb(time),
      weather(time) {
  weather.add_api_key(config.platform.weather_api_key, kPlatformWeatherCallsPerMinute);
  if (options.on_clock) options.on_clock(time);
  const PortOverrides& o = options.ports;
  // Every port the system calls is under the scenario's fault plan for it, whatever serves it.
  dynamodb_faults_ = under_faults<FaultyDatabase>(o.database, dynamodb, time, options.seed, "dynamodb-faults");
  // Defects that live at a seam sit above the fault plan, where the system's calls enter.
  if (config.defects.on(Defect::kLeadingKeyPrefixMatch))
    prefix_scope_ = std::make_unique<PrefixScopedDatabase>(*dynamodb_faults_);
  Database& database = prefix_scope_ ? static_cast<Database&>(*prefix_scope_) : *dynamodb_faults_;
  identity_faults_ = under_faults<FaultyIdentityProvider>(o.identity, cognito, time, options.seed, "cognito-faults");
  IdentityProvider& identity = *identity_faults_;
  if (o.identity)
    identity_mailbox_ = o.identity_mailbox ? o.identity_mailbox
                                           : [](const std::string&, const std::string&) { return std::string(); };
  if (o.model) model_faults_ = std::make_unique<FaultyModelRuntime>(*o.model, time, model_plan_);
  ModelRuntime& model = model_faults();
  weather_faults_ = under_faults<FaultyWeatherApi>(o.weather, weather, time, options.seed, "weather-faults");
  WeatherApi& weather_api = *weather_faults_;
  knowledge_faults_ = under_faults<FaultyKnowledgeBase>(o.knowledge, knowledge, time, options.seed, "knowledge-base-faults");
  KnowledgeBase& knowledge_bases = *knowledge_faults_;
  AgentService& agent_service = o.agents ? *o.agents : static_cast<AgentService&>(agents);
  identity_ = &identity;
  knowledge_ = &knowledge_bases;
  sign_claims_ = o.sign_claims;
  system = std::make_unique<System>(
      SystemPorts{time, identity, model, database, weather_api, knowledge_bases, agent_service, &iana_zones(), &metrics}, std::move(config));
}

std::vector<std::pair<const char*, const FaultGate*>> World::fault_gates() const {
  const FaultGate* model = model_faults_ ? model_faults_.get() : &agents_model;  // Bedrock's two share one plan
  return {{"bedrock", model}, {"dynamodb", dynamodb_faults_.get()}, {"cognito", identity_faults_.get()},
          {"knowledge_base", knowledge_faults_.get()}, {"weather", weather_faults_.get()}};
}

std::map<std::string, uint64_t> World::injected_failures() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [service, gate] : fault_gates()) out[service] = gate->injected_failures();
  return out;
}

std::vector<std::pair<std::string, InjectedFault>> World::injected_between(Time from, Time to) const {
  std::vector<std::pair<std::string, InjectedFault>> out;
  for (const auto& [service, gate] : fault_gates())
    for (auto& f : gate->injected_between(from, to)) out.emplace_back(service, std::move(f));
  return out;
}

ApiResponse World::call(const std::string& method, const std::string& path, const std::string& token,
                        const nlohmann::json& body) {
  ApiRequest req{method, path, token.empty() ? "" : "Bearer " + token, body.is_null() ? "" : body.dump(), {}, {}, {}};
  return run(route(*system, std::move(req)));
}

std::string World::sign_claims(const std::string& pool_id, const std::string& claims_json) const {
  return sign_claims_ ? sign_claims_(pool_id, claims_json) : cognito.sign_claims(pool_id, claims_json);
}

std::string World::mailbox(const std::string& client_id, const std::string& username) const {
  if (identity_mailbox_) return identity_mailbox_(client_id, username);
  return cognito.mailbox(client_id, username);
}

Result<World::Account> World::new_tenant(const std::string& tenant_id, const std::string& tier, bool admin,
                                         int utc_offset_minutes, const std::string& username,
                                         const std::string& time_zone) {
  return sign_up(tenant_id, tier, admin, utc_offset_minutes, username, time_zone, false);
}

Result<World::Account> World::new_tenant_through_faults(const std::string& tenant_id, const std::string& tier) {
  return sign_up(tenant_id, tier, true, 0, "", "", true);
}

Result<World::Account> World::sign_up(const std::string& tenant_id, const std::string& tier, bool admin,
                                      int utc_offset_minutes, const std::string& username,
                                      const std::string& time_zone, bool through_faults) {
  Account a{tenant_id, username.empty() ? "owner@" + tenant_id : username, "correct-horse-" + tenant_id, "", ""};
  Json body{{"tenant_id", tenant_id}, {"username", a.username}, {"password", a.password},
            {"subscription_tier", tier}, {"admin", admin}};
  if (time_zone.empty()) body["utc_offset_minutes"] = utc_offset_minutes;
  else body["time_zone"] = time_zone;
  // A registration makes a handful of Cognito calls; past this many the walk is not ending.
  constexpr uint64_t kMostSteps = 64;
  ApiResponse r;
  for (uint64_t step = 0;; ++step) {
    if (through_faults) cognito_faults().fail_call(step);
    r = call("POST", "/api/register", "", body);
    if (through_faults) cognito_faults().fail_call(std::nullopt);
    // Through: the failure was aimed past the registration's last call (or a retry inside absorbed it).
    if (!through_faults || r.status < 500 || step + 1 == kMostSteps) break;
  }
  if (r.status != 201) return refused(r, "RegisterFailed");
  a.sub = r.body["user_sub"].get<std::string>();
  auto t = system->tenants().find(tenant_id);
  const std::string code = mailbox(t->client_id, a.username);
  r = call("POST", "/api/register/confirm", "", {{"tenant_id", tenant_id}, {"username", a.username}, {"code", code}});
  if (r.status != 200) return refused(r, "ConfirmFailed");
  auto token = login(a);
  if (!token.ok()) return token.take_error();
  a.token = *token;
  return a;
}

Result<World::Account> World::add_user(const Account& admin, const std::string& username) {
  Account a{admin.tenant_id, username, "password-" + admin.tenant_id + "-" + username, "", ""};  // usernames repeat across silo pools; passwords do not
  auto r = call("POST", "/api/admin/tenants/" + admin.tenant_id + "/users", admin.token,
                {{"username", username}, {"password", a.password}});
  if (r.status != 201) return refused(r, "CreateUserFailed");
  a.sub = r.body["user_sub"].get<std::string>();
  auto token = login(a);
  if (!token.ok()) return token.take_error();
  a.token = *token;
  return a;
}

Result<std::string> World::login(const Account& a) {
  auto r = call("POST", "/api/auth/login", "", {{"tenant_id", a.tenant_id}, {"username", a.username}, {"password", a.password}});
  if (r.status != 200) return refused(r, "LoginFailed");
  return r.body["id_token"].get<std::string>();
}

}  // namespace tenantsim
