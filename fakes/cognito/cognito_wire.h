// CognitoApi: Cognito user pools' JSON 1.1 API (`X-Amz-Target: AWSCognitoIdentityProviderService.*`)
// over any IdentityProvider (the fake here), validate -> parse -> act -> encode like DynamoApi.
// Pool and user management, sign-up with the e-mailed code, USER_PASSWORD_AUTH and
// REFRESH_TOKEN_AUTH (InitiateAuth and AdminInitiateAuth), groups, ListUsers with a filter and
// pages, UpdateUserAttributes, and the pool's JWKS and OpenID configuration documents.
// Not yet: USER_SRP_AUTH (refused by name), NEW_PASSWORD_REQUIRED, GetUser, AdminSetUserPassword.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/ports/identity_provider.h"

namespace tenantsim::cognito_wire {

struct Reply {
  int status = 200;
  nlohmann::json body;
};

class CognitoApi {
 public:
  // `run` drives one port call to completion (the caller's loop or clock).
  using Runner = std::function<void(Task<void>)>;
  CognitoApi(IdentityProvider& idp, Runner run, std::function<std::string(const std::string& client_id,
                                                                          const std::string& username)> mailbox);

  // One call: `operation` is the part after "AWSCognitoIdentityProviderService.".
  Reply call(const std::string& operation, const nlohmann::json& request);

  // The confirmation code Cognito would have e-mailed (empty when none was sent): what a test reads
  // instead of a mailbox, through `GET /_fake/cognito/confirmation-code`.
  std::string confirmation_code(const std::string& client_id, const std::string& username);

  // The operations AWS serves without a signature (a browser calls them with a client id only).
  static bool unsigned_operation(const std::string& operation);

  // GET /{poolId}/.well-known/jwks.json and openid-configuration; `base_url` is where this server
  // is reached (jwks_uri points back at it).
  Reply well_known(const std::string& pool_id, const std::string& document, const std::string& base_url);

 private:
  template <class T>
  Result<T> run(Task<Result<T>> t);
  Status run(Task<Status> t);

  IdentityProvider& idp_;
  Runner run_;
  std::function<std::string(const std::string&, const std::string&)> mailbox_;
  std::mutex mu_;
  struct Pool {
    std::string name;
    std::string issuer;
  };
  std::map<std::string, Pool> pools_;           // pool id -> what DescribeUserPool answers
  std::map<std::string, std::string> clients_;  // client id -> pool id
};

}  // namespace tenantsim::cognito_wire
