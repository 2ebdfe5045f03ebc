// FaultyIdentityProvider: a scenario's `faults.cognito` plan at the system's IdentityProvider
// port, around the in-process fake, our client against `fakes serve`, or Cognito alike (see
// faulty_database.h for the shape). Every call may fail with InternalErrorException (HTTP 500)
// without reaching the pools, except fetching a JWKS, which is a static document Cognito serves
// apart from its API. The plan's latency is spent on the calls a user waits for: sign-up and its
// confirmation, sign-ins and refreshes, the user's own reads and edits, setting a password, and
// the JWKS; the administration calls of onboarding take none.
#pragma once

#include "core/ports/identity_provider.h"
#include "harness/faults/fault_gate.h"

namespace tenantsim {

class FaultyIdentityProvider final : public IdentityProvider, public FaultGate {
 public:
  // `inner` must outlive this object.
  FaultyIdentityProvider(IdentityProvider& inner, Clock& clock, Rng rng)
      : FaultGate(clock, std::make_shared<FaultInjector>(rng)), inner_(inner) {}

  Task<Result<UserPool>> create_user_pool(UserPoolConfig config) override;
  Task<Status> delete_user_pool(std::string pool_id) override;
  Task<Result<std::string>> create_app_client(std::string pool_id, std::string name,
                                              std::optional<std::vector<std::string>> write_attributes) override;
  Task<Result<std::string>> sign_up(std::string client_id, std::string username, std::string password,
                                    Attributes attributes) override;
  Task<Status> confirm_sign_up(std::string client_id, std::string username, std::string code) override;
  Task<Status> admin_confirm_sign_up(std::string pool_id, std::string username) override;
  Task<Result<std::string>> admin_create_user(std::string pool_id, std::string username, std::string password,
                                              Attributes attributes) override;
  Task<Result<UserRecord>> admin_get_user(std::string pool_id, std::string username) override;
  Task<Status> admin_update_user_attributes(std::string pool_id, std::string username, Attributes attributes) override;
  Task<Status> admin_delete_user(std::string pool_id, std::string username) override;
  Task<Status> create_group(std::string pool_id, std::string group) override;
  Task<Status> admin_add_user_to_group(std::string pool_id, std::string username, std::string group) override;
  Task<Result<std::vector<UserRecord>>> list_users(std::string pool_id) override;
  Task<Status> admin_set_user_password(std::string pool_id, std::string username, std::string password,
                                       bool permanent) override;
  Task<Result<AuthTokens>> initiate_auth_password(std::string client_id, std::string username, std::string password) override;
  Task<Result<AuthTokens>> initiate_auth_refresh(std::string client_id, std::string refresh_token) override;
  Task<Status> update_user_attributes(std::string access_token, Attributes attributes) override;
  Task<Result<UserRecord>> get_user(std::string access_token) override;
  Task<Status> admin_set_user_enabled(std::string pool_id, std::string username, bool enabled) override;
  Task<Status> admin_user_global_sign_out(std::string pool_id, std::string username) override;
  Task<Status> global_sign_out(std::string access_token) override;
  Task<Status> revoke_token(std::string client_id, std::string refresh_token) override;
  Task<Result<std::string>> jwks(std::string pool_id) override;

 private:
  // The plan's verdict on a call, after its latency when a user waits for it.
  Task<std::optional<Error>> admit(bool waited_for);

  IdentityProvider& inner_;
};

}  // namespace tenantsim
