#include "harness/faults/faulty_identity.h"

namespace tenantsim {

namespace {
constexpr bool kWaited = true;      // a user waits for it: the plan's latency applies
constexpr bool kOnboarding = false;  // administration: no latency
}  // namespace

Task<std::optional<Error>> FaultyIdentityProvider::admit(bool waited_for) {
  if (waited_for) co_return co_await pass(1, "InternalErrorException");
  co_return verdict("InternalErrorException");
}

Task<Result<UserPool>> FaultyIdentityProvider::create_user_pool(UserPoolConfig config) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.create_user_pool(std::move(config));
}

Task<Status> FaultyIdentityProvider::delete_user_pool(std::string pool_id) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.delete_user_pool(std::move(pool_id));
}

Task<Result<std::string>> FaultyIdentityProvider::create_app_client(std::string pool_id, std::string name,
                                                                    std::optional<std::vector<std::string>> write_attributes) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.create_app_client(std::move(pool_id), std::move(name), std::move(write_attributes));
}

Task<Result<std::string>> FaultyIdentityProvider::sign_up(std::string client_id, std::string username, std::string password,
                                                          Attributes attributes) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.sign_up(std::move(client_id), std::move(username), std::move(password), std::move(attributes));
}

Task<Status> FaultyIdentityProvider::confirm_sign_up(std::string client_id, std::string username, std::string code) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.confirm_sign_up(std::move(client_id), std::move(username), std::move(code));
}

Task<Status> FaultyIdentityProvider::admin_confirm_sign_up(std::string pool_id, std::string username) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.admin_confirm_sign_up(std::move(pool_id), std::move(username));
}

Task<Result<std::string>> FaultyIdentityProvider::admin_create_user(std::string pool_id, std::string username,
                                                                    std::string password, Attributes attributes) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.admin_create_user(std::move(pool_id), std::move(username), std::move(password), std::move(attributes));
}

Task<Result<UserRecord>> FaultyIdentityProvider::admin_get_user(std::string pool_id, std::string username) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.admin_get_user(std::move(pool_id), std::move(username));
}

Task<Status> FaultyIdentityProvider::admin_update_user_attributes(std::string pool_id, std::string username,
                                                                  Attributes attributes) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.admin_update_user_attributes(std::move(pool_id), std::move(username), std::move(attributes));
}

Task<Status> FaultyIdentityProvider::admin_delete_user(std::string pool_id, std::string username) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.admin_delete_user(std::move(pool_id), std::move(username));
}

Task<Status> FaultyIdentityProvider::create_group(std::string pool_id, std::string group) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.create_group(std::move(pool_id), std::move(group));
}

Task<Status> FaultyIdentityProvider::admin_add_user_to_group(std::string pool_id, std::string username, std::string group) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.admin_add_user_to_group(std::move(pool_id), std::move(username), std::move(group));
}

Task<Result<std::vector<UserRecord>>> FaultyIdentityProvider::list_users(std::string pool_id) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.list_users(std::move(pool_id));
}

Task<Status> FaultyIdentityProvider::admin_set_user_password(std::string pool_id, std::string username, std::string password,
                                                             bool permanent) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.admin_set_user_password(std::move(pool_id), std::move(username), std::move(password), permanent);
}

Task<Result<AuthTokens>> FaultyIdentityProvider::initiate_auth_password(std::string client_id, std::string username,
                                                                        std::string password) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.initiate_auth_password(std::move(client_id), std::move(username), std::move(password));
}

Task<Result<AuthTokens>> FaultyIdentityProvider::initiate_auth_refresh(std::string client_id, std::string refresh_token) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.initiate_auth_refresh(std::move(client_id), std::move(refresh_token));
}

Task<Status> FaultyIdentityProvider::update_user_attributes(std::string access_token, Attributes attributes) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.update_user_attributes(std::move(access_token), std::move(attributes));
}

Task<Result<UserRecord>> FaultyIdentityProvider::get_user(std::string access_token) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.get_user(std::move(access_token));
}

Task<Result<std::string>> FaultyIdentityProvider::jwks(std::string pool_id) {
  // Latency only: the key set is a static document, not an API call that fails with 500.
  if (const Duration d = faults_->latency(1); d.count() > 0) co_await sleep_for(clock_, d);
  co_return co_await inner_.jwks(std::move(pool_id));
}

Task<Status> FaultyIdentityProvider::admin_set_user_enabled(std::string pool_id, std::string username, bool enabled) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.admin_set_user_enabled(std::move(pool_id), std::move(username), enabled);
}

Task<Status> FaultyIdentityProvider::admin_user_global_sign_out(std::string pool_id, std::string username) {
  if (auto e = co_await admit(kOnboarding)) co_return *e;
  co_return co_await inner_.admin_user_global_sign_out(std::move(pool_id), std::move(username));
}

Task<Status> FaultyIdentityProvider::global_sign_out(std::string access_token) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.global_sign_out(std::move(access_token));
}

Task<Status> FaultyIdentityProvider::revoke_token(std::string client_id, std::string refresh_token) {
  if (auto e = co_await admit(kWaited)) co_return *e;
  co_return co_await inner_.revoke_token(std::move(client_id), std::move(refresh_token));
}

}  // namespace tenantsim
