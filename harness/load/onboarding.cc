#include "harness/load/onboarding.h"

// Asio (through the blocking client) wants <utility> first with GCC 12 and Boost 1.74.
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <thread>

#include "harness/aws/aws_json_client.h"
#include "harness/aws/backends.h"
#include "harness/http/control_secret.h"
#include "harness/load/blocking_client.h"

namespace tenantsim::load {

namespace {

using json = nlohmann::json;

Error target_unavailable(std::string what) { return Error::make(ErrorKind::kUnavailable, "TargetUnavailable", std::move(what)); }

// The set-up is not measured, so a throttled call (the identity provider's per-second quotas meet
// a population registering at once) waits as the server asks and tries again, a bounded number of
// times; any other answer than the one expected ends the set-up.
constexpr int kSetUpRetries = 20;

// The set-up's connection: opened again when the target closed the last one (Connection: close,
// or a server that keeps none alive), which a blocking client would otherwise meet as an error.
class SetUpClient {
 public:
  explicit SetUpClient(TargetAddress address) : address_(std::move(address)) {}

  http::Reply request(const std::string& method, const std::string& target, const std::string& token,
                      const json& body, std::map<std::string, std::string> headers = {}) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!client_) connect();
        http::Reply r = client_->request(method, target, token, body, headers);
        if (r.headers["connection"] == "close") client_.reset();
        return r;
      } catch (const std::exception&) {
        client_.reset();
        if (attempt > 0) throw;  // a fresh connection failed too: the target is not there
      }
    }
  }

 private:
  void connect() {
    try {
      client_ = std::make_unique<http::BlockingClient>(address_.port, address_.host);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("cannot connect to {}:{}: {}", address_.host, address_.port, e.what()));
    }
  }

  TargetAddress address_;
  std::unique_ptr<http::BlockingClient> client_;
};

Result<http::Reply> expect(SetUpClient& c, const std::set<int>& ok, const RenderedRequest& req, const std::string& token,
                           const std::string& route_field) {
  http::Reply r;
  for (int attempt = 0;; ++attempt) {
    try {
      r = c.request(req.method, req.path, token, req.body);
    } catch (const std::exception& e) {
      return target_unavailable(fmt::format("{} {}: {}", req.method, req.path, e.what()));
    }
    if (r.status != 429 || attempt == kSetUpRetries) break;
    const json j = r.json();
    const double wait_s = j.is_object() && j.contains("retry_after_seconds") && j["retry_after_seconds"].is_number()
                              ? j["retry_after_seconds"].get<double>()
                              : 1.0;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<int64_t>(std::llround(wait_s * 1000), 50, 5000)));
  }
  if (r.status == 404 || r.status == 405)
    // Not a refusal of this population: the route is not there. Say where it comes from.
    return target_unavailable(fmt::format("{} {} answered {}: the target does not serve this route ({} of the target profile). "
                                   "Give the profile of its API with --profile (shipped: tenantsim, seed-000) or a "
                                   "profile file of your own (scenarios/SCHEMA.md, \"Target profiles\")",
                                   req.method, req.path, r.status, route_field));
  if (!ok.count(r.status))
    return target_unavailable(fmt::format("{} {} answered {} (expected {}): {}", req.method, req.path, r.status,
                                   fmt::join(ok, " or "), r.body.substr(0, 300)));
  return r;
}

Status open_session(SetUpClient& c, const TargetProfile& profile, LoadUser& u, const LoadTenant& t) {
  u.session_sent = Steady::now();
  auto s = expect(c, profile.session.ok, render(profile.session, vars_of(u, t)), u.token, profile.session.field);
  if (!s.ok()) return s.take_error();
  u.session_answered = Steady::now();
  const json j = s->json();
  const json::json_pointer at(profile.session_id);
  if (!j.is_object() || !j.contains(at) || !j[at].is_string())
    return target_unavailable(fmt::format("{} {} answered no session id at {} (session.session_id of the target profile): {}",
                                   profile.session.method, profile.session.path, profile.session_id, s->body.substr(0, 200)));
  u.session = j[at].get<std::string>();
  return Status{};
}

// --- tenantsim-api: sign-up, confirmation and login through our own API ---------------------------

class ApiOnboarding {
 public:
  ApiOnboarding(const TargetAddress& target, const TargetProfile& profile)
      : c_(target),
        profile_(profile),
        // The target's control secret (harness/http/control_secret.h): from the environment, or the
        // file a tenantsim serve on this machine wrote for its port.
        control_secret_(http::control_secret_for(fmt::format("http://{}:{}", target.host, target.port))) {}

  // POST /api/register for `u`, its tenant's owner, answered `ok`.
  Result<http::Reply> register_owner(const LoadTenant& t, const LoadUser& u, std::set<int> ok = {201}) {
    return post("/api/register",
                {{"tenant_id", t.id}, {"username", u.username}, {"password", u.password},
                 {"subscription_tier", t.tier}, {"admin", true}},
                "", std::move(ok));
  }

  // The e-mailed code (from the tenantsim serve's fakes), then POST /api/register/confirm.
  Status confirm(const LoadTenant& t, const LoadUser& u) {
    http::Reply code;
    try {
      code = c_.request("GET", "/_fake/cognito/confirmation-code?tenant_id=" + t.id + "&username=" + u.username, "",
                        nullptr, {{"X-Tenantsim-Control-Secret", control_secret_}});
    } catch (const std::exception& e) {
      return target_unavailable(e.what());
    }
    if (code.status != 200)
      return target_unavailable("the target has no GET /_fake/cognito/confirmation-code (a tenantsim serve with its "
                                "fakes), so sign-ups cannot be confirmed: " + code.body.substr(0, 200));
    auto r = post("/api/register/confirm", {{"tenant_id", t.id}, {"username", u.username}, {"code", code.json().value("code", "")}},
                  "", {200});
    return r.ok() ? Status{} : Status(r.take_error());
  }

  Status log_in(LoadUser& u, const LoadTenant& t) {
    auto r = post("/api/auth/login", {{"tenant_id", t.id}, {"username", u.username}, {"password", u.password}}, "", {200});
    if (!r.ok()) return r.take_error();
    u.token = r->json().value("id_token", "");
    return Status{};
  }

  Status onboard(std::vector<LoadTenant>& tenants, std::vector<LoadUser>& users) {
    for (size_t t = 0; t < tenants.size(); ++t) {
      LoadUser& admin = users[tenants[t].admin];
      auto r = register_owner(tenants[t], admin);
      if (!r.ok()) return r.take_error();
      admin.sub = r->json().value("user_sub", "");
      if (auto st = confirm(tenants[t], admin); !st.ok()) return st;
      if (auto st = log_in(admin, tenants[t]); !st.ok()) return st;
      if (auto st = open_session(c_, profile_, admin, tenants[t]); !st.ok()) return st;
      for (size_t i = 0; i < users.size(); ++i) {
        LoadUser& u = users[i];
        if (u.tenant != t || i == tenants[t].admin) continue;
        r = post("/api/admin/tenants/" + tenants[t].id + "/users", {{"username", u.username}, {"password", u.password}},
                 admin.token, {201});
        if (!r.ok()) return r.take_error();
        u.sub = r->json().value("user_sub", "");
        if (auto st = log_in(u, tenants[t]); !st.ok()) return st;
        if (auto st = open_session(c_, profile_, u, tenants[t]); !st.ok()) return st;
      }
    }
    return Status{};
  }

  // A stranger registers naming `victim`'s existing tenant (as its owner), and if let in confirms,
  // signs in and reads the victim's usage.
  SignUpProbe sign_up_as_stranger(const LoadTenant& victim, size_t victim_index, size_t i) {
    SignUpProbe probe;
    probe.victim = victim_index;
    LoadUser stranger;
    stranger.username = fmt::format("stranger{}@{}", i, victim.id);
    stranger.password = fmt::format("Stranger-password-{}", i);
    const RenderedRequest read = render(profile_.usage, vars_of(stranger, victim));
    probe.what = fmt::format("POST /api/register naming tenant {} as its owner, then {} {}", victim.id, read.method, read.path);
    std::set<int> any;
    for (int status = 100; status < 600; ++status) any.insert(status);
    auto registered = register_owner(victim, stranger, any);
    if (!registered.ok()) return probe;  // not reached (status 0)
    if (registered->status != 201) {
      probe.status = registered->status;
      return probe;
    }
    // Let in, then stopped on the way to a token: the set-up's errors do not say whether that was a
    // refusal or a failure, so it is counted as not reached (never as refused).
    if (!confirm(victim, stranger).ok() || !log_in(stranger, victim).ok()) return probe;
    try {
      probe.status = c_.request(read.method, read.path, stranger.token, read.body).status;
    } catch (const std::exception&) {
      probe.status = 0;
    }
    return probe;
  }

 private:
  Result<http::Reply> post(const std::string& path, const json& body, const std::string& token, std::set<int> ok) {
    return expect(c_, ok, {"POST", path, body}, token, "identity.users: tenantsim-api");
  }

  SetUpClient c_;
  const TargetProfile& profile_;
  std::string control_secret_;
};

// --- cognito: the operator's path on the pool the target trusts -------------------------------------

json attributes_of(const TargetProfile& profile, const TemplateVars& v) {
  const json rendered = render_json(profile.sign_up_attributes, v);
  json out = json::array();
  for (const auto& [name, value] : rendered.items()) out.push_back({{"Name", name}, {"Value", value}});
  return out;
}

Error pool_error(const char* op, const std::string& who, const Error& e) {
  return Error::make(e.kind == ErrorKind::kBadRequest ? ErrorKind::kUnavailable : e.kind, "PoolRefused",
                     fmt::format("Cognito {} for {}: {}: {}", op, who, e.name, e.message));
}

Result<std::string> sign_in(aws::AwsJsonClient& cognito, const CognitoPool& pool, const TargetProfile& profile,
                            const std::string& username, const std::string& password) {
  auto r = cognito.call("InitiateAuth", {{"ClientId", pool.client_id}, {"AuthFlow", "USER_PASSWORD_AUTH"},
                                         {"AuthParameters", {{"USERNAME", username}, {"PASSWORD", password}}}});
  if (!r.ok()) return pool_error("InitiateAuth", username, r.error());
  const json result = r->value("AuthenticationResult", json::object());
  const std::string token = result.value(profile.token == "id_token" ? "IdToken" : "AccessToken", "");
  if (token.empty()) return target_unavailable(fmt::format("Cognito InitiateAuth for {} gave no {}", username, profile.token));
  return token;
}

Result<std::shared_ptr<aws::AwsJsonClient>> cognito_client(const CognitoPool& pool) {
  aws::EndpointConfig c;
  c.url = pool.endpoint;
  c.region = pool.region;
  c.service = "cognito-idp";
  c.target_prefix = "AWSCognitoIdentityProviderService.";
  c.content_type = "application/x-amz-json-1.1";
  c.max_attempts = 8;  // a population made at once meets the pool's per-second quotas
  auto credentials = aws::load_credentials();
  if (!credentials.ok()) return credentials.take_error();
  c.credentials = std::move(*credentials);
  return std::make_shared<aws::AwsJsonClient>(c, Rng(1).split("load-cognito"));
}

Status onboard_on_pool(const TargetAddress& target, const TargetProfile& profile, const CognitoPool& pool,
                       std::vector<LoadTenant>& tenants, std::vector<LoadUser>& users) {
  auto made = cognito_client(pool);
  if (!made.ok()) return made.take_error();
  aws::AwsJsonClient& cognito = **made;
  SetUpClient c(target);
  for (auto& u : users) {
    const LoadTenant& t = tenants[u.tenant];
    auto r = cognito.call("AdminCreateUser", {{"UserPoolId", pool.user_pool_id}, {"Username", u.username},
                                              {"TemporaryPassword", u.password}, {"MessageAction", "SUPPRESS"},
                                              {"UserAttributes", attributes_of(profile, vars_of(u, t))}});
    if (!r.ok()) return pool_error("AdminCreateUser", u.username, r.error());
    for (const auto& a : r->value("User", json::object()).value("Attributes", json::array()))
      if (a.value("Name", "") == "sub") u.sub = a.value("Value", "");
    auto set = cognito.call("AdminSetUserPassword", {{"UserPoolId", pool.user_pool_id}, {"Username", u.username},
                                                     {"Password", u.password}, {"Permanent", true}});
    if (!set.ok()) return pool_error("AdminSetUserPassword", u.username, set.error());
    if (u.admin && !profile.admin_group.empty()) {
      const std::string group = render_text(profile.admin_group, vars_of(u, t));
      auto g = cognito.call("CreateGroup", {{"UserPoolId", pool.user_pool_id}, {"GroupName", group}});
      if (!g.ok() && g.error().name != "GroupExistsException") return pool_error("CreateGroup", group, g.error());
      auto add = cognito.call("AdminAddUserToGroup",
                              {{"UserPoolId", pool.user_pool_id}, {"Username", u.username}, {"GroupName", group}});
      if (!add.ok()) return pool_error("AdminAddUserToGroup", u.username, add.error());
    }
    auto token = sign_in(cognito, pool, profile, u.username, u.password);
    if (!token.ok()) return token.take_error();
    u.token = std::move(*token);
    if (auto st = open_session(c, profile, u, t); !st.ok()) return st;
  }
  return Status{};
}

// A stranger signs up through the pool's public path (SignUp with the app client, as the sample's
// page does) naming `victim`'s tenant, confirms (the e-mail code an attacker reads in its own
// mailbox; AdminConfirmSignUp stands in for it), signs in and reads the victim's usage.
SignUpProbe sign_up_as(aws::AwsJsonClient& cognito, SetUpClient& c, const CognitoPool& pool,
                       const TargetProfile& profile, const LoadTenant& victim, size_t victim_index, size_t i) {
  SignUpProbe probe;
  probe.victim = victim_index;
  LoadUser stranger;
  stranger.username = fmt::format("stranger{}@{}.example", i, victim.id);
  stranger.password = fmt::format("Stranger-password-{}", i);
  stranger.n = 0;
  const TemplateVars v = vars_of(stranger, victim);
  const RenderedRequest read = render(profile.usage, v);
  probe.what = fmt::format("SignUp naming tenant {} in the public app client's attributes, then {} {}", victim.id,
                           read.method, read.path);
  // A step Cognito refused (a 4xx) is the attack refused; one that failed on the way (a 5xx, no
  // answer) did not reach, and is never counted as refused.
  const auto settled_by = [&](const Error& e) {
    probe.status = http_status(e.kind) < 500 ? http_status(e.kind) : 0;
    return probe;
  };
  auto signed_up = cognito.call("SignUp", {{"ClientId", pool.client_id}, {"Username", stranger.username},
                                           {"Password", stranger.password},
                                           {"UserAttributes", attributes_of(profile, v)}});
  if (!signed_up.ok()) return settled_by(signed_up.error());
  auto confirmed = cognito.call("AdminConfirmSignUp", {{"UserPoolId", pool.user_pool_id}, {"Username", stranger.username}});
  if (!confirmed.ok()) return settled_by(confirmed.error());
  auto token = sign_in(cognito, pool, profile, stranger.username, stranger.password);
  if (!token.ok()) return settled_by(token.error());
  try {
    probe.status = c.request(read.method, read.path, *token, read.body).status;
  } catch (const std::exception&) {
    probe.status = 0;
  }
  return probe;
}

}  // namespace

Result<std::string> create_attacker_pool(const CognitoPool& pool) {
  auto made = cognito_client(pool);
  if (!made.ok()) return made.take_error();
  auto r = (*made)->call("CreateUserPool", {{"PoolName", "tenantsim-attacker"},
                                            {"Schema", json::array({{{"Name", "tenant_id"}, {"AttributeDataType", "String"}},
                                                                    {{"Name", "subscription_tier"}, {"AttributeDataType", "String"}}})}});
  if (!r.ok()) return pool_error("CreateUserPool", "the attacker's pool", r.error());
  const std::string id = r->value("UserPool", json::object()).value("Id", "");
  if (id.empty()) return target_unavailable("Cognito CreateUserPool answered no pool id");
  return id;
}

Status onboard(const TargetAddress& target, const TargetProfile& profile, const std::optional<CognitoPool>& pool,
               std::vector<LoadTenant>& tenants, std::vector<LoadUser>& users, std::vector<SignUpProbe>& sign_up_probes) {
  // One stranger per tenant, at most ten: enough to show the public path either holds or does not.
  const size_t strangers = std::min<size_t>(tenants.size(), 10);
  if (profile.onboarding == Onboarding::kTenantsimApi) {
    ApiOnboarding api(target, profile);
    if (auto st = api.onboard(tenants, users); !st.ok()) return st;
    for (size_t i = 0; i < strangers; ++i) sign_up_probes.push_back(api.sign_up_as_stranger(tenants[i], i, i));
    return Status{};
  }
  if (!pool || pool->endpoint.empty() || pool->user_pool_id.empty() || pool->client_id.empty())
    return Error::make(ErrorKind::kBadRequest, "BadLoadOptions",
                       fmt::format("target profile {} makes its users on the Cognito user pool the target trusts: give "
                                   "--cognito URL, --user-pool-id and --client-id", profile.name));
  if (auto st = onboard_on_pool(target, profile, *pool, tenants, users); !st.ok()) return st;
  auto made = cognito_client(*pool);
  if (!made.ok()) return made.take_error();
  SetUpClient c(target);
  for (size_t i = 0; i < strangers; ++i) sign_up_probes.push_back(sign_up_as(**made, c, *pool, profile, tenants[i], i, i));
  return Status{};
}

}  // namespace tenantsim::load
