// RealCognito: core's IdentityProvider port over Cognito user pools' JSON 1.1 API (AwsJsonClient):
// against AWS, or any server that speaks it (`tenantsim fakes serve`, cognito-local). Core does not
// change to switch.
//
// Where the port and the service differ, this is the bridge:
//  - admin_create_user makes a CONFIRMED user with a permanent password: AdminCreateUser (invitation
//    suppressed) then AdminSetUserPassword with Permanent.
//  - A pool's token lifetimes are the app client's in Cognito: create_app_client sets them from
//    the pool's UserPoolConfig.
//  - The pre-token-generation hook (copy_custom_claims_to_access_token) is a Lambda trigger in
//    Cognito: the pool is created with `pre_token_generation_lambda` as its V2 trigger when one is
//    configured. `fakes serve` honours any such trigger as the seed-004 hook; without one, a pool
//    that asks for the hook is refused (InvalidParameterException), since its access tokens would
//    lack the tenant claims the system relies on.
//  - A pool's groups are AdminListGroupsForUser's; ListUsers gives none (the port's UserRecord
//    then has no groups), as the service does.
//  - The issuer of a pool's tokens is `{issuer_base}/{pool id}`; AWS's form
//    (https://cognito-idp.{region}.amazonaws.com) unless configured (cognito-local issues its own).
//  - The JWKS is read from `{endpoint}/{pool id}/.well-known/jwks.json`, where Cognito serves it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/ports/identity_provider.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

struct CognitoOptions {
  std::string issuer_base;                 // empty: https://cognito-idp.{region}.amazonaws.com
  std::string pre_token_generation_lambda; // an ARN; empty: none
};

class RealCognito final : public IdentityProvider {
 public:
  RealCognito(std::shared_ptr<AwsJsonClient> client, CognitoOptions options);

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
  Task<Result<AuthTokens>> initiate_auth_password(std::string client_id, std::string username,
                                                  std::string password) override;
  Task<Result<AuthTokens>> initiate_auth_refresh(std::string client_id, std::string refresh_token) override;
  Task<Status> update_user_attributes(std::string access_token, Attributes attributes) override;
  Task<Result<UserRecord>> get_user(std::string access_token) override;
  Task<Status> admin_set_user_enabled(std::string pool_id, std::string username, bool enabled) override;
  Task<Status> admin_user_global_sign_out(std::string pool_id, std::string username) override;
  Task<Status> global_sign_out(std::string access_token) override;
  Task<Status> revoke_token(std::string client_id, std::string refresh_token) override;
  Task<Result<std::string>> jwks(std::string pool_id) override;

  // The confirmation code the pool e-mailed, where the endpoint shows it: `tenantsim fakes serve`
  // does (GET /_fake/cognito/confirmation-code); AWS and others do not (empty).
  std::string fake_mailbox(const std::string& client_id, const std::string& username);

  AwsJsonClient& client() { return *client_; }

 private:
  std::shared_ptr<AwsJsonClient> client_;
  CognitoOptions options_;
  std::mutex mu_;
  std::map<std::string, UserPoolConfig> pools_;  // what create_app_client needs of its pool
};

}  // namespace tenantsim::aws
