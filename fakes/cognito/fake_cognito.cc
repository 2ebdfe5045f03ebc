#include "fakes/cognito/fake_cognito.h"

#include <atomic>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/auth/base64url.h"
#include "fakes/cognito/signing_key.h"

namespace tenantsim {

namespace {

Error cognito(ErrorKind kind, const char* name, std::string msg) { return Error::make(kind, name, std::move(msg)); }
Error not_authorized() { return cognito(ErrorKind::kUnauthorized, "NotAuthorizedException", "Incorrect username or password."); }
Error user_disabled() { return cognito(ErrorKind::kUnauthorized, "NotAuthorizedException", "User is disabled."); }
Error invalid_param(std::string msg) { return cognito(ErrorKind::kBadRequest, "InvalidParameterException", std::move(msg)); }
Error no_pool(const std::string& id) {
  return cognito(ErrorKind::kNotFound, "ResourceNotFoundException", "User pool " + id + " does not exist.");
}
Error no_user() { return cognito(ErrorKind::kNotFound, "UserNotFoundException", "User does not exist."); }

struct PoolKey {
  std::string kid;
  SigningKey key;
};

struct User {
  UserRecord record;
  std::string password;
  std::string pending_code;
};

struct Pool {
  UserPoolConfig config;
  UserPool info;
  std::vector<PoolKey> keys;  // last is active
  std::set<std::string> clients;
  std::map<std::string, std::optional<std::vector<std::string>>> write_attributes;  // by client id
  std::map<std::string, std::vector<std::string>> read_attributes;  // by client id; absent: all
  std::set<std::string> issued_access;  // jti of every access token issued and not revoked
  std::map<std::string, std::string> access_owner;  // jti -> username
  std::set<std::string> groups;
  std::map<std::string, User> users;  // by username
};

struct RefreshGrant {
  std::string pool_id;
  std::string client_id;
  std::string username;
  Time expires{};
  std::set<std::string> access;  // jti of the access tokens made with it (RevokeToken revokes them)
};

}  // namespace

struct FakeCognito::State {
  State(Clock& c, Rng r, CognitoQuotas q) : clock(c), rng(r), quotas(std::move(q)) {}

  Clock& clock;
  Rng rng;
  std::string last_access_jti;  // of the last tokens issue() made
  CognitoQuotas quotas;
  mutable std::mutex mu;
  std::atomic<bool> follow_up{false};
  std::map<std::string, Pool> pools;
  std::map<std::string, std::string> client_pool;  // client id -> pool id
  std::map<std::string, RefreshGrant> refresh;
  std::map<std::string, int64_t> window_second;  // pool/category -> second
  std::map<std::string, int> window_count;
  size_t keys_made = 0;
  CognitoLedger ledger;

  std::string random_chars(size_t n, std::string_view alphabet) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += alphabet[rng.uniform(alphabet.size())];
    return out;
  }
  std::string uuid() {
    const std::string h = random_chars(32, "0123456789abcdef");
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) + "-" + h.substr(20, 12);
  }

  // Request counting and the per-pool request-rate quota (lock held).
  std::optional<Error> admit(const std::string& op, const std::string& pool_id, bool creation) {
    ++ledger.requests_by_operation[op];
    if (follow_up.load()) return std::nullopt;  // a step of a call already admitted
    const std::string window = pool_id + (creation ? "/create" : "/auth");
    const int64_t second = to_unix_seconds(clock.now());
    if (window_second[window] != second) {
      window_second[window] = second;
      window_count[window] = 0;
    }
    const int limit = creation ? quotas.create_requests_per_second : quotas.auth_requests_per_second;
    if (++window_count[window] > limit) {
      ++ledger.throttled;
      Error e = cognito(ErrorKind::kTooManyRequests, "TooManyRequestsException", "Too many requests");
      e.retry_after = std::chrono::seconds(1);
      return e;
    }
    return std::nullopt;
  }

  void add_key(Pool& pool) {
    pool.keys.push_back(PoolKey{random_chars(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") + "=",
                                quotas.fresh_keys ? SigningKey::fresh_material(keys_made++)
                                                  : SigningKey::shared_material(keys_made++)});
  }

  // An admin call's user: the call admitted under the pool's quota, the pool and the user found
  // (ResourceNotFoundException, UserNotFoundException otherwise). Lock held.
  Result<User*> admin_user(const char* op, const std::string& pool_id, const std::string& username) {
    if (auto e = admit(op, pool_id, false)) return *e;
    auto it = pools.find(pool_id);
    if (it == pools.end()) return no_pool(pool_id);
    auto u = it->second.users.find(username);
    if (u == it->second.users.end()) return no_user();
    return &u->second;
  }

  Result<Pool*> pool_of_client(const std::string& client_id) {
    auto it = client_pool.find(client_id);
    if (it == client_pool.end()) return cognito(ErrorKind::kNotFound, "ResourceNotFoundException", "Client does not exist.");
    return &pools.at(it->second);
  }

  // The signed-in user of an access token the pool issued (by jti) that has not expired.
  struct TokenOwner {
    std::string pool_id, username, client_id;
  };
  Result<TokenOwner> access_token_owner(const std::string& access_token, const char* operation) {
    const Error bad = cognito(ErrorKind::kUnauthorized, "NotAuthorizedException", "Invalid Access Token");
    const auto first = access_token.find('.'), second = access_token.find('.', first + 1);
    if (first == std::string::npos || second == std::string::npos) return bad;
    const auto payload = base64url_decode(std::string_view(access_token).substr(first + 1, second - first - 1));
    if (!payload) return bad;
    nlohmann::json claims = nlohmann::json::parse(*payload, nullptr, false);
    if (!claims.is_object() || claims.value("token_use", "") != "access") return bad;
    auto pool = pool_of_client(claims.value("client_id", ""));
    if (!pool.ok()) return bad;
    if (auto e = admit(operation, (*pool)->info.pool_id, false)) return *e;
    if (!(*pool)->issued_access.count(claims.value("jti", "")) || claims.value("exp", int64_t{0}) <= to_unix_seconds(clock.now()))
      return bad;
    if (!(*pool)->users.count(claims.value("username", ""))) return bad;
    return TokenOwner{(*pool)->info.pool_id, claims.value("username", ""), claims.value("client_id", "")};
  }

  // Global sign-out: the user's refresh tokens are revoked, and its access tokens with the pool's API.
  void sign_out(Pool& pool, const std::string& username) {
    std::erase_if(refresh, [&](const auto& r) { return r.second.pool_id == pool.info.pool_id && r.second.username == username; });
    for (auto it = pool.access_owner.begin(); it != pool.access_owner.end();) {
      if (it->second == username) {
        pool.issued_access.erase(it->first);
        it = pool.access_owner.erase(it);
      } else {
        ++it;
      }
    }
  }

  // The pool's schema: its standard attributes and its custom ones. Cognito names every attribute
  // that is not in it, a line each.
  std::optional<Error> check_attributes(const Pool& pool, const Attributes& attrs) const {
    std::string unknown;
    for (const auto& [name, value] : attrs) {
      const bool known =
          name.starts_with("custom:")
              ? std::find(pool.config.custom_attributes.begin(), pool.config.custom_attributes.end(), name.substr(7)) !=
                    pool.config.custom_attributes.end()
              : std::find(std::begin(kStandardAttributes), std::end(kStandardAttributes), name) != std::end(kStandardAttributes);
      if (!known) unknown += name + ": Attribute does not exist in the schema.\n";
      else if (value.size() > 2048) return invalid_param(name + ": value too long");
    }
    if (!unknown.empty()) return invalid_param("Attributes did not conform to the schema: " + unknown);
    return std::nullopt;
  }

  // What a caller holding only the app client's id (SignUp) or a user's token (UpdateUserAttributes)
  // may write: the client's write attributes. Left out (nullopt), Cognito lets the client write
  // every attribute, custom ones included, but for the two verified flags.
  static std::optional<Error> check_writable(const Pool& pool, const std::string& client_id, const Attributes& attrs) {
    const auto it = pool.write_attributes.find(client_id);
    const std::optional<std::vector<std::string>> none;
    const auto& writable = it == pool.write_attributes.end() ? none : it->second;
    for (const auto& [name, value] : attrs) {
      const bool allowed = writable ? std::find(writable->begin(), writable->end(), name) != writable->end()
                                    : name != "email_verified" && name != "phone_number_verified";
      if (!allowed)
        return cognito(ErrorKind::kUnauthorized, "NotAuthorizedException", "A client attempted to write unauthorized attribute");
    }
    return std::nullopt;
  }

  static std::optional<Error> check_password(const std::string& p) {
    if (p.size() < 8)
      return cognito(ErrorKind::kBadRequest, "InvalidPasswordException", "Password did not conform with policy: Password not long enough");
    return std::nullopt;
  }

  Result<std::string> create_user(Pool& pool, const std::string& username, const std::string& password,
                                  const Attributes& attrs, const char* status) {
    if (username.empty() || username.size() > 128) return invalid_param("username must be 1-128 characters");
    if (pool.users.count(username))
      return cognito(ErrorKind::kConflict, "UsernameExistsException", "User account already exists");
    if (auto e = check_password(password)) return *e;
    if (auto e = check_attributes(pool, attrs)) return *e;
    User u;
    u.record.username = username;
    u.record.sub = uuid();
    u.record.status = status;
    u.record.attributes = attrs;
    u.password = password;
    const std::string sub = u.record.sub;
    pool.users.emplace(username, std::move(u));
    return sub;
  }

  // Whether the client's ReadAttributes let it see `attribute` (all of them when it has none).
  static bool readable(const Pool& pool, const std::string& client_id, const std::string& attribute) {
    const auto it = pool.read_attributes.find(client_id);
    return it == pool.read_attributes.end() || std::find(it->second.begin(), it->second.end(), attribute) != it->second.end();
  }

  std::string sign(const Pool& pool, const nlohmann::json& claims) const { return sign_text(pool, claims.dump()); }
  // Signs the claims exactly as written: a test's odd bytes (or 5000 levels of nesting) reach the
  // verifier as they are.
  std::string sign_text(const Pool& pool, const std::string& claims) const {
    const auto& key = pool.keys.back();
    const nlohmann::json header = {{"kid", key.kid}, {"alg", "RS256"}};
    const std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims);
    return input + "." + base64url_encode(key.key.sign_rs256(input));
  }

  AuthTokens issue(Pool& pool, const std::string& client_id, const User& user) {
    const int64_t now = to_unix_seconds(clock.now());
    const auto secs = [](Duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); };
    nlohmann::json common = {{"sub", user.record.sub}, {"iss", pool.info.issuer}, {"auth_time", now}, {"iat", now}};
    if (!user.record.groups.empty()) common["cognito:groups"] = user.record.groups;
    const std::string event_id = uuid();

    nlohmann::json id = common;
    id["aud"] = client_id;
    id["token_use"] = "id";
    id["cognito:username"] = user.record.username;
    id["event_id"] = event_id;
    id["jti"] = uuid();
    id["exp"] = now + secs(pool.config.id_token_validity);
    for (const auto& [k, v] : user.record.attributes)
      if (readable(pool, client_id, k)) id[k] = v;

    nlohmann::json access = common;
    access["client_id"] = client_id;
    access["token_use"] = "access";
    access["scope"] = "aws.cognito.signin.user.admin";
    access["username"] = user.record.username;
    access["event_id"] = event_id;
    access["jti"] = uuid();
    pool.issued_access.insert(access["jti"].get<std::string>());
    pool.access_owner[access["jti"].get<std::string>()] = user.record.username;
    last_access_jti = access["jti"].get<std::string>();
    access["exp"] = now + secs(pool.config.access_token_validity);
    if (pool.config.copy_custom_claims_to_access_token)
      for (const auto& [k, v] : user.record.attributes)
        if (k.starts_with("custom:")) access[k] = v;

    ledger.active_users_by_pool[pool.info.pool_id].insert(user.record.sub);
    ledger.active_users_by_month[month_key(clock.now(), 0)][pool.info.pool_id].try_emplace(user.record.sub,
                                                                                            day_key(clock.now(), 0));
    return AuthTokens{sign(pool, id), sign(pool, access), "", secs(pool.config.access_token_validity)};
  }
};

FakeCognito::FakeCognito(Clock& clock, Rng rng, CognitoQuotas quotas)
    : s_(std::make_unique<State>(clock, rng, std::move(quotas))) {}
FakeCognito::~FakeCognito() = default;

void FakeCognito::set_follow_up(bool on) { s_->follow_up = on; }

Task<Result<UserPool>> FakeCognito::create_user_pool(UserPoolConfig config) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("CreateUserPool", "", true)) co_return *e;
  if (config.name.empty()) co_return invalid_param("PoolName is required");
  Pool pool;
  pool.info.pool_id = s_->quotas.region + "_" + s_->random_chars(9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  pool.info.issuer = fmt::format("https://cognito-idp.{}.amazonaws.com/{}", s_->quotas.region, pool.info.pool_id);
  pool.config = std::move(config);
  s_->add_key(pool);
  UserPool info = pool.info;
  s_->pools.emplace(info.pool_id, std::move(pool));
  co_return info;
}

Task<Status> FakeCognito::delete_user_pool(std::string pool_id) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("DeleteUserPool", pool_id, true)) co_return *e;
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  for (const auto& c : it->second.clients) s_->client_pool.erase(c);
  std::erase_if(s_->refresh, [&](const auto& r) { return r.second.pool_id == pool_id; });
  s_->pools.erase(it);
  co_return Status{};
}

Task<Result<std::string>> FakeCognito::create_app_client(std::string pool_id, std::string name,
                                                         std::optional<std::vector<std::string>> write_attributes) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("CreateUserPoolClient", pool_id, true)) co_return *e;
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  if (name.empty()) co_return invalid_param("ClientName is required");
  std::string id = s_->random_chars(26, "abcdefghijklmnopqrstuvwxyz0123456789");
  it->second.clients.insert(id);
  it->second.write_attributes[id] = std::move(write_attributes);
  s_->client_pool[id] = pool_id;
  co_return id;
}

Task<Status> FakeCognito::update_user_attributes(std::string access_token, Attributes attributes) {
  std::lock_guard lock(s_->mu);
  auto owner = s_->access_token_owner(access_token, "UpdateUserAttributes");
  if (!owner.ok()) co_return owner.take_error();
  Pool& pool = s_->pools.at(owner->pool_id);
  auto& user = pool.users.at(owner->username);
  if (auto e = s_->check_attributes(pool, attributes)) co_return *e;
  if (auto e = State::check_writable(pool, owner->client_id, attributes)) co_return *e;
  for (auto& [name, value] : attributes) user.record.attributes[name] = std::move(value);
  co_return Status{};
}

Task<Status> FakeCognito::admin_update_user_attributes(std::string pool_id, std::string username, Attributes attributes) {
  std::lock_guard lock(s_->mu);
  auto user = s_->admin_user("AdminUpdateUserAttributes", pool_id, username);
  if (!user.ok()) co_return user.take_error();
  if (auto e = s_->check_attributes(s_->pools.at(pool_id), attributes)) co_return *e;
  for (auto& [name, value] : attributes) (*user)->record.attributes[name] = std::move(value);
  co_return Status{};
}

Task<Status> FakeCognito::admin_delete_user(std::string pool_id, std::string username) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("AdminDeleteUser", pool_id, false)) co_return *e;
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  if (!it->second.users.erase(username)) co_return no_user();
  // The user's refresh tokens die with it.
  std::erase_if(s_->refresh, [&](const auto& r) { return r.second.pool_id == pool_id && r.second.username == username; });
  co_return Status{};
}

Task<Result<UserRecord>> FakeCognito::get_user(std::string access_token) {
  std::lock_guard lock(s_->mu);
  auto owner = s_->access_token_owner(access_token, "GetUser");
  if (!owner.ok()) co_return owner.take_error();
  const Pool& pool = s_->pools.at(owner->pool_id);
  UserRecord record = pool.users.at(owner->username).record;
  std::erase_if(record.attributes, [&](const auto& a) { return !State::readable(pool, owner->client_id, a.first); });
  co_return record;
}

bool FakeCognito::set_read_attributes(const std::string& client_id, std::vector<std::string> attributes) {
  std::lock_guard lock(s_->mu);
  auto c = s_->client_pool.find(client_id);
  if (c == s_->client_pool.end()) return false;
  s_->pools.at(c->second).read_attributes[client_id] = std::move(attributes);
  return true;
}

Task<Status> FakeCognito::admin_set_user_password(std::string pool_id, std::string username, std::string password,
                                                  bool permanent) {
  std::lock_guard lock(s_->mu);
  auto user = s_->admin_user("AdminSetUserPassword", pool_id, username);
  if (!user.ok()) co_return user.take_error();
  if (auto e = State::check_password(password)) co_return *e;
  (*user)->password = password;
  (*user)->record.status = permanent ? "CONFIRMED" : "FORCE_CHANGE_PASSWORD";
  co_return Status{};
}

Task<Result<std::string>> FakeCognito::sign_up(std::string client_id, std::string username, std::string password,
                                               Attributes attributes) {
  std::lock_guard lock(s_->mu);
  auto pool = s_->pool_of_client(client_id);
  if (!pool.ok()) co_return pool.take_error();
  if (auto e = s_->admit("SignUp", (*pool)->info.pool_id, true)) co_return *e;
  // Public: only what the app client may write (check_attributes names unknown ones first).
  if (auto e = s_->check_attributes(**pool, attributes)) co_return *e;
  if (auto e = State::check_writable(**pool, client_id, attributes)) co_return *e;
  auto sub = s_->create_user(**pool, username, password, attributes, "UNCONFIRMED");
  if (!sub.ok()) co_return sub;
  (*pool)->users[username].pending_code = s_->random_chars(6, "0123456789");
  co_return sub;
}

Task<Status> FakeCognito::confirm_sign_up(std::string client_id, std::string username, std::string code) {
  std::lock_guard lock(s_->mu);
  auto pool = s_->pool_of_client(client_id);
  if (!pool.ok()) co_return pool.take_error();
  if (auto e = s_->admit("ConfirmSignUp", (*pool)->info.pool_id, false)) co_return *e;
  auto it = (*pool)->users.find(username);
  if (it == (*pool)->users.end()) co_return no_user();
  if (it->second.record.status != "UNCONFIRMED")
    co_return cognito(ErrorKind::kBadRequest, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED");
  if (code.empty() || code != it->second.pending_code)
    co_return cognito(ErrorKind::kBadRequest, "CodeMismatchException", "Invalid verification code provided, please try again.");
  it->second.record.status = "CONFIRMED";
  it->second.pending_code.clear();
  it->second.record.attributes["email_verified"] = "true";
  co_return Status{};
}

Task<Status> FakeCognito::admin_confirm_sign_up(std::string pool_id, std::string username) {
  std::lock_guard lock(s_->mu);
  auto user = s_->admin_user("AdminConfirmSignUp", pool_id, username);
  if (!user.ok()) co_return user.take_error();
  auto& record = (*user)->record;
  if (record.status != "UNCONFIRMED")
    co_return cognito(ErrorKind::kBadRequest, "NotAuthorizedException",
                      "User cannot be confirmed. Current status is " + record.status);
  record.status = "CONFIRMED";
  (*user)->pending_code.clear();
  co_return Status{};
}

Task<Result<std::string>> FakeCognito::admin_create_user(std::string pool_id, std::string username,
                                                         std::string password, Attributes attributes) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("AdminCreateUser", pool_id, true)) co_return *e;
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  co_return s_->create_user(it->second, username, password, attributes, "CONFIRMED");
}

Task<Result<UserRecord>> FakeCognito::admin_get_user(std::string pool_id, std::string username) {
  std::lock_guard lock(s_->mu);
  auto user = s_->admin_user("AdminGetUser", pool_id, username);
  if (!user.ok()) co_return user.take_error();
  co_return (*user)->record;
}

Task<Status> FakeCognito::create_group(std::string pool_id, std::string group) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("CreateGroup", pool_id, true)) co_return *e;
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  if (group.empty() || group.size() > 128) co_return invalid_param("GroupName must be 1-128 characters");
  if (!it->second.groups.insert(group).second)
    co_return cognito(ErrorKind::kConflict, "GroupExistsException", "A group with the name already exists.");
  co_return Status{};
}

Task<Status> FakeCognito::admin_add_user_to_group(std::string pool_id, std::string username, std::string group) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("AdminAddUserToGroup", pool_id, false)) co_return *e;
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  if (!it->second.groups.count(group))
    co_return cognito(ErrorKind::kNotFound, "ResourceNotFoundException", "Group not found.");
  auto u = it->second.users.find(username);
  if (u == it->second.users.end()) co_return no_user();
  auto& groups = u->second.record.groups;
  if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
  co_return Status{};
}

Task<Result<std::vector<UserRecord>>> FakeCognito::list_users(std::string pool_id) {
  std::lock_guard lock(s_->mu);
  if (auto e = s_->admit("ListUsers", pool_id, false)) co_return *e;
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  std::vector<UserRecord> out;
  for (const auto& [name, u] : it->second.users) out.push_back(u.record);
  co_return out;
}

Task<Result<AuthTokens>> FakeCognito::initiate_auth_password(std::string client_id, std::string username,
                                                             std::string password) {
  std::lock_guard lock(s_->mu);
  auto pool = s_->pool_of_client(client_id);
  if (!pool.ok()) co_return pool.take_error();
  if (auto e = s_->admit("InitiateAuth", (*pool)->info.pool_id, false)) co_return *e;
  auto it = (*pool)->users.find(username);
  if (it == (*pool)->users.end() || it->second.password != password) co_return not_authorized();
  if (it->second.record.status == "UNCONFIRMED")
    co_return cognito(ErrorKind::kForbidden, "UserNotConfirmedException", "User is not confirmed.");
  if (it->second.record.status == "FORCE_CHANGE_PASSWORD")
    co_return cognito(ErrorKind::kForbidden, "NewPasswordRequiredChallenge", "The user must choose a new password.");
  if (!it->second.record.enabled) co_return user_disabled();
  AuthTokens t = s_->issue(**pool, client_id, it->second);
  t.refresh_token = s_->random_chars(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  s_->refresh[t.refresh_token] = RefreshGrant{(*pool)->info.pool_id, client_id, username,
                                              s_->clock.now() + (*pool)->config.refresh_token_validity,
                                              {s_->last_access_jti}};
  co_return t;
}

Task<Result<AuthTokens>> FakeCognito::initiate_auth_refresh(std::string client_id, std::string refresh_token) {
  std::lock_guard lock(s_->mu);
  auto pool = s_->pool_of_client(client_id);
  if (!pool.ok()) co_return pool.take_error();
  if (auto e = s_->admit("InitiateAuth", (*pool)->info.pool_id, false)) co_return *e;
  auto it = s_->refresh.find(refresh_token);
  if (it == s_->refresh.end() || it->second.client_id != client_id || s_->clock.now() >= it->second.expires)
    co_return cognito(ErrorKind::kUnauthorized, "NotAuthorizedException", "Invalid Refresh Token");
  auto u = (*pool)->users.find(it->second.username);
  if (u == (*pool)->users.end()) co_return not_authorized();
  if (!u->second.record.enabled) co_return user_disabled();
  AuthTokens t = s_->issue(**pool, client_id, u->second);
  it->second.access.insert(s_->last_access_jti);
  co_return t;
}

Task<Status> FakeCognito::admin_set_user_enabled(std::string pool_id, std::string username, bool enabled) {
  std::lock_guard lock(s_->mu);
  auto user = s_->admin_user(enabled ? "AdminEnableUser" : "AdminDisableUser", pool_id, username);
  if (!user.ok()) co_return user.take_error();
  (*user)->record.enabled = enabled;
  co_return Status{};
}

Task<Status> FakeCognito::admin_user_global_sign_out(std::string pool_id, std::string username) {
  std::lock_guard lock(s_->mu);
  auto user = s_->admin_user("AdminUserGlobalSignOut", pool_id, username);
  if (!user.ok()) co_return user.take_error();
  s_->sign_out(s_->pools.at(pool_id), username);
  co_return Status{};
}

Task<Status> FakeCognito::global_sign_out(std::string access_token) {
  std::lock_guard lock(s_->mu);
  auto owner = s_->access_token_owner(access_token, "GlobalSignOut");
  if (!owner.ok()) co_return owner.take_error();
  s_->sign_out(s_->pools.at(owner->pool_id), owner->username);
  co_return Status{};
}

Task<Status> FakeCognito::revoke_token(std::string client_id, std::string refresh_token) {
  std::lock_guard lock(s_->mu);
  auto pool = s_->pool_of_client(client_id);
  if (!pool.ok()) co_return pool.take_error();
  if (auto e = s_->admit("RevokeToken", (*pool)->info.pool_id, false)) co_return *e;
  auto it = s_->refresh.find(refresh_token);
  if (it == s_->refresh.end()) co_return Status{};  // unknown or revoked already: revoked
  if (it->second.client_id != client_id)
    co_return cognito(ErrorKind::kUnauthorized, "UnauthorizedException", "Token was not issued to this client.");
  for (const auto& jti : it->second.access) {
    (*pool)->issued_access.erase(jti);
    (*pool)->access_owner.erase(jti);
  }
  s_->refresh.erase(it);
  co_return Status{};
}

Task<Result<std::string>> FakeCognito::jwks(std::string pool_id) {
  std::lock_guard lock(s_->mu);
  ++s_->ledger.requests_by_operation["GetJwks"];
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) co_return no_pool(pool_id);
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : it->second.keys)
    keys.push_back({{"alg", "RS256"}, {"e", k.key.jwk_e()}, {"kid", k.kid}, {"kty", "RSA"}, {"n", k.key.jwk_n()}, {"use", "sig"}});
  co_return nlohmann::json{{"keys", keys}}.dump();
}

std::string FakeCognito::mailbox(const std::string& client_id, const std::string& username) const {
  std::lock_guard lock(s_->mu);
  auto c = s_->client_pool.find(client_id);
  if (c == s_->client_pool.end()) return {};
  const auto& users = s_->pools.at(c->second).users;
  auto u = users.find(username);
  return u == users.end() ? std::string() : u->second.pending_code;
}

void FakeCognito::rotate_keys(const std::string& pool_id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->pools.find(pool_id);
  if (it != s_->pools.end()) s_->add_key(it->second);
}

void FakeCognito::retire_old_keys(const std::string& pool_id) {
  std::lock_guard lock(s_->mu);
  auto it = s_->pools.find(pool_id);
  if (it != s_->pools.end() && it->second.keys.size() > 1)
    it->second.keys.erase(it->second.keys.begin(), it->second.keys.end() - 1);
}

std::string FakeCognito::sign_claims(const std::string& pool_id, const std::string& claims_json) const {
  std::lock_guard lock(s_->mu);
  auto it = s_->pools.find(pool_id);
  if (it == s_->pools.end()) return {};
  return s_->sign_text(it->second, claims_json);
}


CognitoLedger FakeCognito::ledger() const {
  std::lock_guard lock(s_->mu);
  return s_->ledger;
}

}  // namespace tenantsim
