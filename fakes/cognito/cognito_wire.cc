#include "fakes/cognito/cognito_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <set>

#include "fakes/wire/base64.h"
#include "fakes/wire/sigv4.h"

namespace tenantsim::cognito_wire {

namespace {

using nlohmann::json;

// Cognito's __type is the bare exception name; its HTTP status 400 for every client error.
Reply error(const std::string& name, const std::string& message, int status = 400) {
  return Reply{status, json{{"__type", name}, {"message", message}}};
}
Reply error(const Error& e) {
  return error(e.name.empty() ? "InternalErrorException" : e.name, e.message, e.kind == ErrorKind::kUnavailable ? 500 : 400);
}
// An operation whose answer is empty: {} on success, else the error.
Reply empty_or_error(const Status& st) { return st.ok() ? Reply{200, json::object()} : error(st.error()); }

std::string string_param(const json& req, const char* name) {
  auto it = req.find(name);
  return it != req.end() && it->is_string() ? it->get<std::string>() : "";
}

// A missing required parameter, worded as the service words it.
std::optional<Reply> require(const json& req, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (string_param(req, n).empty())
      return error("InvalidParameterException",
                   fmt::format("1 validation error detected: Value at '{}{}' failed to satisfy constraint: Member must not be null",
                               static_cast<char>(std::tolower(n[0])), n + 1));
  return std::nullopt;
}

Attributes attributes_of(const json& req, const char* field = "UserAttributes") {
  Attributes out;
  for (const auto& a : req.value(field, json::array()))
    if (a.contains("Name") && a.contains("Value")) out[a["Name"].get<std::string>()] = a["Value"].get<std::string>();
  return out;
}

json attributes_json(const UserRecord& u) {
  json out = json::array({{{"Name", "sub"}, {"Value", u.sub}}});
  for (const auto& [k, v] : u.attributes)
    if (k != "sub") out.push_back({{"Name", k}, {"Value", v}});
  return out;
}

json user_json(const UserRecord& u, const char* attributes_key) {
  return {{"Username", u.username}, {attributes_key, attributes_json(u)}, {"UserStatus", u.status}, {"Enabled", u.enabled}};
}

json tokens_json(const AuthTokens& t) {
  json result = {{"AccessToken", t.access_token}, {"IdToken", t.id_token}, {"ExpiresIn", t.expires_in}, {"TokenType", "Bearer"}};
  if (!t.refresh_token.empty()) result["RefreshToken"] = t.refresh_token;
  return {{"AuthenticationResult", result}, {"ChallengeParameters", json::object()}};
}

// ListUsers' Filter: `attribute = "value"` or `attribute ^= "prefix"` (the service's two operators).
// A ListUsers filter, `attribute = "value"` or `attribute ^= "value"`.
struct UserFilter {
  std::string attribute, value;
  bool prefix = false;
};

// The attributes Cognito lets ListUsers filter on: standard ones only, never a custom attribute.
// The error text is the service's; nullopt with `error` set when the filter is not one.
std::optional<UserFilter> parse_filter(const std::string& filter, std::string& error) {
  static const std::set<std::string> kSearchable = {"username",    "email",       "phone_number", "name",
                                                     "given_name", "family_name", "preferred_username",
                                                     "cognito:user_status", "status", "sub"};
  UserFilter f;
  f.prefix = filter.find("^=") != std::string::npos;
  const size_t op = f.prefix ? filter.find("^=") : filter.find('=');
  if (op == std::string::npos) {
    error = "Error while parsing filter.";
    return std::nullopt;
  }
  f.attribute = filter.substr(0, op);
  f.attribute.erase(0, f.attribute.find_first_not_of(' '));
  f.attribute.erase(f.attribute.find_last_not_of(' ') + 1);
  f.value = filter.substr(op + (f.prefix ? 2 : 1));
  f.value.erase(0, f.value.find_first_not_of(' '));
  f.value.erase(f.value.find_last_not_of(' ') + 1);
  if (f.value.size() < 2 || f.value.front() != '"' || f.value.back() != '"') {
    error = "Error while parsing filter.";
    return std::nullopt;
  }
  f.value = f.value.substr(1, f.value.size() - 2);
  if (!kSearchable.count(f.attribute)) {
    error = "Invalid search attribute: " + f.attribute;
    return std::nullopt;
  }
  return f;
}

bool matches_filter(const UserRecord& u, const UserFilter& f) {
  std::string actual;
  if (f.attribute == "username") actual = u.username;
  else if (f.attribute == "sub") actual = u.sub;
  else if (f.attribute == "cognito:user_status") actual = u.status;
  else if (f.attribute == "status") actual = "Enabled";  // the account's, not the sign-up's: none is disabled here
  else if (auto it = u.attributes.find(f.attribute); it != u.attributes.end()) actual = it->second;
  else return false;
  return f.prefix ? actual.starts_with(f.value) : actual == f.value;
}

// `words` draws of the seeded sequence, in hex (16 characters each).
std::string random_hex(Rng& rng, int words) {
  std::string out;
  for (int i = 0; i < words; ++i) out += fmt::format("{:016x}", rng.next());
  return out;
}

}  // namespace

CognitoApi::CognitoApi(IdentityProvider& idp, Runner run,
                       std::function<std::string(const std::string&, const std::string&)> mailbox, Rng rng,
                       std::function<void(bool)> follow_up, ReadAttributes read_attributes)
    : idp_(idp),
      run_(std::move(run)),
      follow_up_(std::move(follow_up)),
      read_attributes_(std::move(read_attributes)),
      mailbox_(std::move(mailbox)),
      rng_(rng) {
  if (!follow_up_) follow_up_ = [](bool) {};
}

template <class T>
Result<T> CognitoApi::run(Task<Result<T>> t) {
  std::optional<Result<T>> out;
  auto capture = [](Task<Result<T>> inner, std::optional<Result<T>>* o) -> Task<void> { o->emplace(co_await inner); };
  run_(capture(std::move(t), &out));
  if (!out) return Error::make(ErrorKind::kUnavailable, "InternalErrorException", "the call did not complete");
  return std::move(*out);
}

Status CognitoApi::run(Task<Status> t) {
  std::optional<Status> out;
  auto capture = [](Task<Status> inner, std::optional<Status>* o) -> Task<void> { o->emplace(co_await inner); };
  run_(capture(std::move(t), &out));
  if (!out) return Error::make(ErrorKind::kUnavailable, "InternalErrorException", "the call did not complete");
  return std::move(*out);
}

std::string CognitoApi::confirmation_code(const std::string& client_id, const std::string& username) {
  std::lock_guard lock(mu_);
  return mailbox_(client_id, username);
}

std::string CognitoApi::temporary_password(const std::string& pool_id, const std::string& username) {
  std::lock_guard lock(mu_);
  const auto it = temporary_passwords_.find({pool_id, username});
  return it == temporary_passwords_.end() ? "" : it->second;
}

bool CognitoApi::unsigned_operation(const std::string& op) {
  static const char* kUnsigned[] = {"SignUp", "ConfirmSignUp", "InitiateAuth", "RespondToAuthChallenge",
                                    "UpdateUserAttributes", "GetUser", "ForgotPassword", "ConfirmForgotPassword",
                                    "GlobalSignOut", "RevokeToken"};
  return std::find(std::begin(kUnsigned), std::end(kUnsigned), op) != std::end(kUnsigned);
}

Reply CognitoApi::call(const std::string& op, const json& req) {
  std::lock_guard lock(mu_);
  if (!req.is_object()) return error("SerializationException", "the request body must be a JSON object");
  if (op == "CreateUserPool") {
    if (auto e = require(req, {"PoolName"})) return *e;
    UserPoolConfig c;
    c.name = string_param(req, "PoolName");
    // A pre-token-generation trigger (any function) stands for seed 004's hook: the fake copies the
    // custom attributes into access tokens, as that Lambda would.
    const json lambdas = req.value("LambdaConfig", json::object());
    c.copy_custom_claims_to_access_token = lambdas.is_object() && (lambdas.contains("PreTokenGeneration") ||
                                                                   lambdas.contains("PreTokenGenerationConfig"));
    for (const auto& s : req.value("Schema", json::array())) {
      std::string name = s.value("Name", "");
      if (name.starts_with("custom:")) name = name.substr(7);
      if (!name.empty()) c.custom_attributes.push_back(name);
    }
    auto pool = run(idp_.create_user_pool(c));
    if (!pool.ok()) return error(pool.error());
    pools_[pool->pool_id] = Pool{c.name, pool->issuer};
    const std::string region = pool->pool_id.substr(0, pool->pool_id.find('_'));
    return {200, {{"UserPool", {{"Id", pool->pool_id}, {"Name", c.name}, {"Status", "Enabled"},
                               {"Arn", fmt::format("arn:aws:cognito-idp:{}:000000000000:userpool/{}", region, pool->pool_id)}}}}};
  }
  if (op == "DescribeUserPool") {
    auto it = pools_.find(string_param(req, "UserPoolId"));
    if (it == pools_.end()) return error("ResourceNotFoundException", "User pool " + string_param(req, "UserPoolId") + " does not exist.");
    return {200, {{"UserPool", {{"Id", it->first}, {"Name", it->second.name}, {"Status", "Enabled"}}}}};
  }
  if (op == "DeleteUserPool") {
    auto st = run(idp_.delete_user_pool(string_param(req, "UserPoolId")));
    if (!st.ok()) return error(st.error());
    pools_.erase(string_param(req, "UserPoolId"));
    return {200, json::object()};
  }
  if (op == "CreateUserPoolClient") {
    if (auto e = require(req, {"UserPoolId", "ClientName"})) return *e;
    std::optional<std::vector<std::string>> write;
    if (req.contains("WriteAttributes")) write = req["WriteAttributes"].get<std::vector<std::string>>();
    std::optional<std::vector<std::string>> read;
    if (req.contains("ReadAttributes")) {
      if (!read_attributes_) return error("InvalidParameterException", "ReadAttributes: not applied by this provider");
      read = req["ReadAttributes"].get<std::vector<std::string>>();
    }
    auto id = run(idp_.create_app_client(string_param(req, "UserPoolId"), string_param(req, "ClientName"), write));
    if (!id.ok()) return error(id.error());
    if (read) read_attributes_(*id, *read);
    clients_[*id] = string_param(req, "UserPoolId");
    client_names_[*id] = string_param(req, "ClientName");
    return {200, {{"UserPoolClient", {{"ClientId", *id}, {"ClientName", string_param(req, "ClientName")},
                                      {"UserPoolId", string_param(req, "UserPoolId")}}}}};
  }
  if (op == "SignUp") {
    if (auto e = require(req, {"ClientId", "Username", "Password"})) return *e;
    auto sub = run(idp_.sign_up(string_param(req, "ClientId"), string_param(req, "Username"), string_param(req, "Password"),
                                attributes_of(req)));
    if (!sub.ok()) return error(sub.error());
    if (auto c = clients_.find(string_param(req, "ClientId")); c != clients_.end())
      passwords_[{c->second, string_param(req, "Username")}] = string_param(req, "Password");
    return {200, {{"UserConfirmed", false}, {"UserSub", *sub},
                  {"CodeDeliveryDetails", {{"DeliveryMedium", "EMAIL"}, {"AttributeName", "email"}, {"Destination", "x***@x***"}}}}};
  }
  if (op == "ConfirmSignUp") {
    if (auto e = require(req, {"ClientId", "Username", "ConfirmationCode"})) return *e;
    return empty_or_error(run(idp_.confirm_sign_up(string_param(req, "ClientId"), string_param(req, "Username"),
                                                   string_param(req, "ConfirmationCode"))));
  }
  if (op == "AdminConfirmSignUp") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    return empty_or_error(run(idp_.admin_confirm_sign_up(string_param(req, "UserPoolId"), string_param(req, "Username"))));
  }
  if (op == "AdminDisableUser" || op == "AdminEnableUser") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    return empty_or_error(run(idp_.admin_set_user_enabled(string_param(req, "UserPoolId"), string_param(req, "Username"),
                                                          op == "AdminEnableUser")));
  }
  if (op == "AdminUserGlobalSignOut") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    return empty_or_error(run(idp_.admin_user_global_sign_out(string_param(req, "UserPoolId"), string_param(req, "Username"))));
  }
  if (op == "GlobalSignOut") {
    if (auto e = require(req, {"AccessToken"})) return *e;
    return empty_or_error(run(idp_.global_sign_out(string_param(req, "AccessToken"))));
  }
  if (op == "RevokeToken") {
    if (auto e = require(req, {"ClientId", "Token"})) return *e;
    return empty_or_error(run(idp_.revoke_token(string_param(req, "ClientId"), string_param(req, "Token"))));
  }
  if (op == "AdminCreateUser") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    const std::string action = string_param(req, "MessageAction");
    if (!action.empty() && action != "SUPPRESS")
      return error("InvalidParameterException", action == "RESEND"
                                                    ? "MessageAction RESEND: this fake sends no invitations to resend"
                                                    : "1 validation error detected: Value '" + action +
                                                          "' at 'messageAction' failed to satisfy constraint: Member must "
                                                          "satisfy enum value set: [RESEND, SUPPRESS]");
    // Without a TemporaryPassword, Cognito makes one and e-mails it with the invitation (or not, with
    // SUPPRESS): here it is drawn from the server's seeded sequence, and GET
    // /_fake/cognito/temporary-password shows what the e-mail would have carried.
    std::string password = string_param(req, "TemporaryPassword");
    const bool generated = password.empty();
    if (generated) password = "Tmp-" + random_hex(rng_, 1) + "a1!";
    auto sub = run(idp_.admin_create_user(string_param(req, "UserPoolId"), string_param(req, "Username"), password, attributes_of(req)));
    if (!sub.ok()) return error(sub.error());
    // One call to Cognito: the steps below are part of it, never throttled on their own.
    follow_up_(true);
    struct Off {
      std::function<void(bool)>& f;
      ~Off() { f(false); }
    } off{follow_up_};
    // As in Cognito, the password is temporary: the first sign-in must choose a new one.
    auto st = run(idp_.admin_set_user_password(string_param(req, "UserPoolId"), string_param(req, "Username"), password, false));
    if (!st.ok()) return error(st.error());
    passwords_[{string_param(req, "UserPoolId"), string_param(req, "Username")}] = password;
    if (generated) temporary_passwords_[{string_param(req, "UserPoolId"), string_param(req, "Username")}] = password;
    auto u = run(idp_.admin_get_user(string_param(req, "UserPoolId"), string_param(req, "Username")));
    if (!u.ok()) return error(u.error());
    return {200, {{"User", user_json(*u, "Attributes")}}};
  }
  if (op == "AdminSetUserPassword") {
    if (auto e = require(req, {"UserPoolId", "Username", "Password"})) return *e;
    const bool permanent = req.contains("Permanent") && req["Permanent"].is_boolean() && req["Permanent"].get<bool>();
    auto st = run(idp_.admin_set_user_password(string_param(req, "UserPoolId"), string_param(req, "Username"),
                                               string_param(req, "Password"), permanent));
    if (!st.ok()) return error(st.error());
    passwords_[{string_param(req, "UserPoolId"), string_param(req, "Username")}] = string_param(req, "Password");
    return {200, json::object()};
  }
  if (op == "AdminListGroupsForUser") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    auto u = run(idp_.admin_get_user(string_param(req, "UserPoolId"), string_param(req, "Username")));
    if (!u.ok()) return error(u.error());
    json groups = json::array();
    for (const auto& g : u->groups) groups.push_back({{"GroupName", g}, {"UserPoolId", string_param(req, "UserPoolId")}});
    return {200, {{"Groups", groups}}};
  }
  if (op == "GetUser") {
    if (auto e = require(req, {"AccessToken"})) return *e;
    auto u = run(idp_.get_user(string_param(req, "AccessToken")));
    if (!u.ok()) return error(u.error());
    return {200, {{"Username", u->username}, {"UserAttributes", attributes_json(*u)}}};
  }
  if (op == "AdminGetUser") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    auto u = run(idp_.admin_get_user(string_param(req, "UserPoolId"), string_param(req, "Username")));
    if (!u.ok()) return error(u.error());
    return {200, user_json(*u, "UserAttributes")};
  }
  if (op == "AdminUpdateUserAttributes") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    if (!req.contains("UserAttributes") || !req["UserAttributes"].is_array())
      return error("InvalidParameterException",
                   "1 validation error detected: Value at 'userAttributes' failed to satisfy constraint: Member must not be null");
    return empty_or_error(run(idp_.admin_update_user_attributes(string_param(req, "UserPoolId"),
                                                                string_param(req, "Username"), attributes_of(req))));
  }
  if (op == "AdminDeleteUser") {
    if (auto e = require(req, {"UserPoolId", "Username"})) return *e;
    auto st = run(idp_.admin_delete_user(string_param(req, "UserPoolId"), string_param(req, "Username")));
    if (!st.ok()) return error(st.error());
    passwords_.erase({string_param(req, "UserPoolId"), string_param(req, "Username")});
    return {200, json::object()};
  }
  if (op == "CreateGroup") {
    if (auto e = require(req, {"UserPoolId", "GroupName"})) return *e;
    auto st = run(idp_.create_group(string_param(req, "UserPoolId"), string_param(req, "GroupName")));
    if (!st.ok()) return error(st.error());
    groups_[string_param(req, "UserPoolId")].insert(string_param(req, "GroupName"));
    return {200, {{"Group", {{"GroupName", string_param(req, "GroupName")}, {"UserPoolId", string_param(req, "UserPoolId")}}}}};
  }
  // The directory's listings an onboarding app reads, from what this server created.
  if (op == "ListUserPools") {
    if (!req.contains("MaxResults") || !req["MaxResults"].is_number_integer())
      return error("InvalidParameterException",
                   "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must not be null");
    const int64_t most = req["MaxResults"].get<int64_t>();
    if (most < 1 || most > 60) return error("InvalidParameterException", "MaxResults must be between 1 and 60");
    const std::string after = string_param(req, "NextToken");
    json pools = json::array();
    std::string last;
    for (const auto& [id, p] : pools_) {
      if (!after.empty() && id <= after) continue;
      if (static_cast<int64_t>(pools.size()) == most) return {200, {{"UserPools", pools}, {"NextToken", last}}};
      pools.push_back({{"Id", id}, {"Name", p.name}, {"Status", "Enabled"}});
      last = id;
    }
    return {200, {{"UserPools", pools}}};
  }
  if (op == "ListUserPoolClients" || op == "ListGroups") {
    if (auto e = require(req, {"UserPoolId"})) return *e;
    const std::string pool = string_param(req, "UserPoolId");
    if (!pools_.count(pool)) return error("ResourceNotFoundException", "User pool " + pool + " does not exist.");
    json out = json::array();
    if (op == "ListGroups") {
      for (const auto& g : groups_[pool]) out.push_back({{"GroupName", g}, {"UserPoolId", pool}});
      return {200, {{"Groups", out}}};
    }
    for (const auto& [id, owner] : clients_)
      if (owner == pool) out.push_back({{"ClientId", id}, {"UserPoolId", pool}, {"ClientName", client_names_[id]}});
    return {200, {{"UserPoolClients", out}}};
  }
  if (op == "DescribeUserPoolClient") {
    if (auto e = require(req, {"UserPoolId", "ClientId"})) return *e;
    const auto it = clients_.find(string_param(req, "ClientId"));
    if (it == clients_.end() || it->second != string_param(req, "UserPoolId"))
      return error("ResourceNotFoundException", "User pool client " + string_param(req, "ClientId") + " does not exist.");
    return {200, {{"UserPoolClient", {{"ClientId", it->first}, {"UserPoolId", it->second},
                                      {"ClientName", client_names_[it->first]}}}}};
  }
  if (op == "ListUsersInGroup") {
    if (auto e = require(req, {"UserPoolId", "GroupName"})) return *e;
    const std::string pool = string_param(req, "UserPoolId"), group = string_param(req, "GroupName");
    if (!groups_[pool].count(group)) return error("ResourceNotFoundException", "Group not found.");
    auto users = run(idp_.list_users(pool));
    if (!users.ok()) return error(users.error());
    std::sort(users->begin(), users->end(), [](const UserRecord& a, const UserRecord& b) { return a.username < b.username; });
    json out = json::array();
    for (const auto& u : *users)
      if (std::find(u.groups.begin(), u.groups.end(), group) != u.groups.end()) out.push_back(user_json(u, "Attributes"));
    return {200, {{"Users", out}}};
  }
  if (op == "AdminAddUserToGroup") {
    if (auto e = require(req, {"UserPoolId", "Username", "GroupName"})) return *e;
    return empty_or_error(run(idp_.admin_add_user_to_group(string_param(req, "UserPoolId"), string_param(req, "Username"),
                                                           string_param(req, "GroupName"))));
  }
  if (op == "ListUsers") {
    if (auto e = require(req, {"UserPoolId"})) return *e;
    std::optional<UserFilter> filter;
    if (const std::string text = string_param(req, "Filter"); !text.empty()) {
      std::string why;
      filter = parse_filter(text, why);
      if (!filter) return error("InvalidParameterException", why);
    }
    auto users = run(idp_.list_users(string_param(req, "UserPoolId")));
    if (!users.ok()) return error(users.error());
    const int64_t limit = req.value("Limit", int64_t{60});
    if (limit < 1 || limit > 60) return error("InvalidParameterException", "Limit must be between 1 and 60");
    // The page token is the last username of the previous page (users come in username order).
    std::sort(users->begin(), users->end(), [](const UserRecord& a, const UserRecord& b) { return a.username < b.username; });
    const std::string after = string_param(req, "PaginationToken");
    json out = json::array();
    std::string last;
    bool more = false;
    for (const auto& u : *users) {
      if (!after.empty() && u.username <= after) continue;
      if (filter && !matches_filter(u, *filter)) continue;
      if (static_cast<int64_t>(out.size()) == limit) {
        more = true;
        break;
      }
      out.push_back(user_json(u, "Attributes"));
      last = u.username;
    }
    json body = {{"Users", out}};
    if (more) body["PaginationToken"] = last;
    return {200, body};
  }
  if (op == "InitiateAuth" || op == "AdminInitiateAuth") {
    if (auto e = require(req, {"ClientId", "AuthFlow"})) return *e;
    const std::string flow = string_param(req, "AuthFlow");
    const json params = req.value("AuthParameters", json::object());
    auto param = [&](const char* n) { return string_param(params, n); };
    Result<AuthTokens> tokens = Error::make(ErrorKind::kBadRequest, "InvalidParameterException", "");
    if (flow == "USER_PASSWORD_AUTH" || flow == "ADMIN_USER_PASSWORD_AUTH" || flow == "ADMIN_NO_SRP_AUTH") {
      if (param("USERNAME").empty() || param("PASSWORD").empty())
        return error("InvalidParameterException", "Missing required parameter USERNAME or PASSWORD");
      tokens = run(idp_.initiate_auth_password(string_param(req, "ClientId"), param("USERNAME"), param("PASSWORD")));
      if (!tokens.ok() && tokens.error().name == "NewPasswordRequiredChallenge") {
        // The port refused only because the password is temporary, so the client is one of this API's.
        const auto client = clients_.find(string_param(req, "ClientId"));
        if (client != clients_.end()) return finish_sign_in(client->first, client->second, param("USERNAME"));
      }
    } else if (flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN") {
      if (param("REFRESH_TOKEN").empty()) return error("InvalidParameterException", "Missing required parameter REFRESH_TOKEN");
      tokens = run(idp_.initiate_auth_refresh(string_param(req, "ClientId"), param("REFRESH_TOKEN")));
    } else if (flow == "USER_SRP_AUTH") {
      return start_srp(string_param(req, "ClientId"), params);
    } else {
      return error("InvalidParameterException", "Invalid AuthFlow: " + flow);
    }
    if (!tokens.ok()) return error(tokens.error());
    return {200, tokens_json(*tokens)};
  }
  if (op == "RespondToAuthChallenge" || op == "AdminRespondToAuthChallenge") {
    if (auto e = require(req, {"ClientId", "ChallengeName"})) return *e;
    const json responses = req.value("ChallengeResponses", json::object());
    if (string_param(req, "ChallengeName") == "PASSWORD_VERIFIER") return answer_password_verifier(string_param(req, "ClientId"), responses);
    if (string_param(req, "ChallengeName") == "NEW_PASSWORD_REQUIRED")
      return answer_new_password(string_param(req, "ClientId"), string_param(req, "Session"), responses);
    return error("InvalidParameterException", "tenantsim's Cognito fake answers PASSWORD_VERIFIER and NEW_PASSWORD_REQUIRED, not " +
                                                  string_param(req, "ChallengeName"));
  }
  if (op == "UpdateUserAttributes") {
    if (auto e = require(req, {"AccessToken"})) return *e;
    auto st = run(idp_.update_user_attributes(string_param(req, "AccessToken"), attributes_of(req)));
    if (!st.ok()) return error(st.error());
    return {200, {{"CodeDeliveryDetailsList", json::array()}}};
  }
  return error("UnknownOperationException",
               fmt::format("tenantsim's Cognito fake does not implement AWSCognitoIdentityProviderService.{}", op));
}

namespace {

// The part of a pool id after the region: what SRP hashes as the pool's name.
std::string srp_pool_name(const std::string& pool_id) { return pool_id.substr(pool_id.find('_') + 1); }

}  // namespace

Reply CognitoApi::start_srp(const std::string& client_id, const json& params) {
  const std::string username = string_param(params, "USERNAME"), A = string_param(params, "SRP_A");
  if (username.empty() || A.empty()) return error("InvalidParameterException", "Missing required parameter USERNAME or SRP_A");
  auto client = clients_.find(client_id);
  if (client == clients_.end()) return error("ResourceNotFoundException", "User pool client " + client_id + " does not exist.");
  const std::string& pool_id = client->second;
  auto password = passwords_.find({pool_id, username});
  if (password == passwords_.end()) return error("NotAuthorizedException", "Incorrect username or password.");
  // A salt per user, derived rather than stored: a fake has nothing to hide, and a replay agrees.
  const std::string salt = wire::sha256_hex(pool_id + "/" + username).substr(0, 32);
  const std::string verifier = wire::srp::verifier_hex(srp_pool_name(pool_id), username, password->second, salt);
  const auto server = wire::srp::server_ephemeral(verifier, random_hex(rng_, 4));
  const auto key = wire::srp::server_key(A, server, verifier);
  if (!key) return error("InvalidParameterException", "SRP_A is not a valid SRP value (not hex, or 0 mod N)");
  const std::string secret_block = wire::base64_encode(fmt::format("tenantsim-srp:{}", random_hex(rng_, 4)));
  remember(secret_block, PendingSignIn{"PASSWORD_VERIFIER", client_id, pool_id, username, *key});
  return {200, {{"ChallengeName", "PASSWORD_VERIFIER"},
                {"ChallengeParameters", {{"SALT", salt}, {"SECRET_BLOCK", secret_block}, {"SRP_B", server.B_hex},
                                         {"USERNAME", username}, {"USER_ID_FOR_SRP", username}}}}};
}

Reply CognitoApi::answer_password_verifier(const std::string& client_id, const json& responses) {
  auto param = [&](const char* n) { return string_param(responses, n); };
  for (const char* n : {"USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "TIMESTAMP", "PASSWORD_CLAIM_SIGNATURE"})
    if (param(n).empty()) return error("InvalidParameterException", fmt::format("Missing required parameter {}", n));
  // "Tue Nov 26 19:43:23 UTC 2026": the day unpadded, as the clients write it.
  static const std::regex kTimestamp(R"(^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$)");
  if (!std::regex_match(param("TIMESTAMP"), kTimestamp))
    return error("InvalidParameterException", "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.");
  auto it = pending_.find(param("PASSWORD_CLAIM_SECRET_BLOCK"));
  if (it == pending_.end() || it->second.challenge != "PASSWORD_VERIFIER" || it->second.client_id != client_id ||
      it->second.username != param("USERNAME"))
    return error("NotAuthorizedException", "Incorrect username or password.");
  const PendingSignIn sign_in = it->second;
  pending_.erase(it);  // one answer per challenge, right or wrong
  std::erase(pending_order_, param("PASSWORD_CLAIM_SECRET_BLOCK"));
  const auto block = wire::base64_decode(param("PASSWORD_CLAIM_SECRET_BLOCK"));
  const std::string expected = wire::srp::claim_signature(sign_in.key, srp_pool_name(sign_in.pool_id), sign_in.username,
                                                          block.value_or(""), param("TIMESTAMP"));
  if (!wire::srp::same(expected, param("PASSWORD_CLAIM_SIGNATURE")))
    return error("NotAuthorizedException", "Incorrect username or password.");
  return finish_sign_in(client_id, sign_in.pool_id, sign_in.username);
}

void CognitoApi::remember(const std::string& handle, PendingSignIn sign_in) {
  pending_[handle] = std::move(sign_in);
  pending_order_.push_back(handle);
  if (pending_order_.size() > kMaxPendingSignIns) {
    pending_.erase(pending_order_.front());
    pending_order_.erase(pending_order_.begin());
  }
}

Reply CognitoApi::finish_sign_in(const std::string& client_id, const std::string& pool_id, const std::string& username) {
  const auto password = passwords_.find({pool_id, username});
  if (password == passwords_.end()) return error("NotAuthorizedException", "Incorrect username or password.");
  auto tokens = run(idp_.initiate_auth_password(client_id, username, password->second));
  if (tokens.ok()) return {200, tokens_json(*tokens)};
  if (tokens.error().name != "NewPasswordRequiredChallenge") return error(tokens.error());
  auto user = run(idp_.admin_get_user(pool_id, username));
  if (!user.ok()) return error(user.error());
  json attributes = json::object();
  for (const auto& [k, v] : user->attributes) attributes[k] = v;
  const std::string session = "tenantsim-session-" + random_hex(rng_, 4);
  remember(session, PendingSignIn{"NEW_PASSWORD_REQUIRED", client_id, pool_id, username, ""});
  // Cognito sends the attributes and the required ones as JSON text inside the parameters.
  return {200, {{"ChallengeName", "NEW_PASSWORD_REQUIRED"},
                {"ChallengeParameters", {{"USER_ID_FOR_SRP", username}, {"requiredAttributes", "[]"},
                                         {"userAttributes", attributes.dump()}}},
                {"Session", session}}};
}

Reply CognitoApi::answer_new_password(const std::string& client_id, const std::string& session, const json& responses) {
  auto param = [&](const char* n) { return string_param(responses, n); };
  if (param("USERNAME").empty() || param("NEW_PASSWORD").empty())
    return error("InvalidParameterException", "Missing required parameter USERNAME or NEW_PASSWORD");
  auto it = pending_.find(session);
  if (session.empty() || it == pending_.end() || it->second.challenge != "NEW_PASSWORD_REQUIRED" ||
      it->second.client_id != client_id || it->second.username != param("USERNAME"))
    return error("NotAuthorizedException", "Invalid session for the user, session is expired.");
  const PendingSignIn sign_in = it->second;
  auto st = run(idp_.admin_set_user_password(sign_in.pool_id, sign_in.username, param("NEW_PASSWORD"), true));
  if (!st.ok()) return error(st.error());  // a password the policy refuses: the session stays for another try
  pending_.erase(it);
  std::erase(pending_order_, session);
  passwords_[{sign_in.pool_id, sign_in.username}] = param("NEW_PASSWORD");
  return finish_sign_in(client_id, sign_in.pool_id, sign_in.username);
}

Reply CognitoApi::well_known(const std::string& pool_id, const std::string& document, const std::string& base_url) {
  std::lock_guard lock(mu_);
  auto jwks = run(idp_.jwks(pool_id));
  if (!jwks.ok()) return error("ResourceNotFoundException", "User pool " + pool_id + " does not exist.");
  if (document == "jwks.json") return {200, json::parse(*jwks)};
  auto it = pools_.find(pool_id);
  const std::string issuer = it != pools_.end() ? it->second.issuer : "";
  return {200, {{"issuer", issuer},
                {"jwks_uri", base_url + "/" + pool_id + "/.well-known/jwks.json"},
                {"response_types_supported", {"code", "token"}},
                {"subject_types_supported", {"public"}},
                {"id_token_signing_alg_values_supported", {"RS256"}},
                {"scopes_supported", {"openid", "email", "phone", "profile"}},
                {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}}}};
}

}  // namespace tenantsim::cognito_wire
