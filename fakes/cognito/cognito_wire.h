// CognitoApi: Cognito user pools' JSON 1.1 API (`X-Amz-Target: AWSCognitoIdentityProviderService.*`)
// over any IdentityProvider (the fake here), validate -> parse -> act -> encode like DynamoApi.
// Pool and user management, sign-up with the e-mailed code, USER_PASSWORD_AUTH,
// REFRESH_TOKEN_AUTH and USER_SRP_AUTH with its PASSWORD_VERIFIER challenge (InitiateAuth,
// AdminInitiateAuth, RespondToAuthChallenge), NEW_PASSWORD_REQUIRED for a temporary password
// (AdminCreateUser, AdminSetUserPassword), groups (AdminListGroupsForUser too), ListUsers with a filter and pages, GetUser,
// UpdateUserAttributes, and the pool's JWKS and OpenID configuration documents. A pool created
// with a pre-token-generation trigger gets the seed-004 hook (tenant claims in access tokens).
//
// SRP needs what the IdentityProvider port does not give: a verifier for the password. Cognito
// keeps a salted verifier; this layer keeps the password of each user created through it (the
// fake holds it anyway), derives the verifier when a sign-in starts, and, once the client's claim
// signature matches, gets the tokens through the port's password sign-in, so the fake's rules
// (confirmation, quotas, its ledger) apply to both flows alike.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/rng.h"
#include "core/ports/identity_provider.h"
#include "fakes/wire/cognito_srp.h"

namespace tenantsim::cognito_wire {

struct Reply {
  int status = 200;
  nlohmann::json body;
};

class CognitoApi {
 public:
  // `run` drives one port call to completion (the caller's loop or clock).
  using Runner = std::function<void(Task<void>)>;
  // `rng` draws the server's SRP secrets: one seeded sequence, so a replayed log rebuilds them.
  // `follow_up(true)` marks the port calls that follow as steps of a call already admitted (see
  // FakeCognito::set_follow_up), until `follow_up(false)`; null for a provider without quotas.
  // `read_attributes` applies CreateUserPoolClient's ReadAttributes (FakeCognito::set_read_attributes);
  // null: the parameter is refused by name rather than ignored.
  using ReadAttributes = std::function<bool(const std::string& client_id, std::vector<std::string>)>;
  CognitoApi(IdentityProvider& idp, Runner run,
             std::function<std::string(const std::string& client_id, const std::string& username)> mailbox, Rng rng,
             std::function<void(bool)> follow_up = nullptr, ReadAttributes read_attributes = nullptr);

  // One call: `operation` is the part after "AWSCognitoIdentityProviderService.".
  Reply call(const std::string& operation, const nlohmann::json& request);

  // The confirmation code Cognito would have e-mailed (empty when none was sent): what a test reads
  // instead of a mailbox, through `GET /_fake/cognito/confirmation-code`.
  std::string confirmation_code(const std::string& client_id, const std::string& username);
  // The temporary password AdminCreateUser generated for a user created without one (empty when it
  // was given): the invitation e-mail's, through `GET /_fake/cognito/temporary-password`.
  std::string temporary_password(const std::string& pool_id, const std::string& username);

  // The operations AWS serves without a signature (a browser calls them with a client id only).
  static bool unsigned_operation(const std::string& operation);

  // GET /{poolId}/.well-known/jwks.json and openid-configuration; `base_url` is where this server
  // is reached (jwks_uri points back at it).
  Reply well_known(const std::string& pool_id, const std::string& document, const std::string& base_url);

 private:
  template <class T>
  Result<T> run(Task<Result<T>> t);
  Status run(Task<Status> t);
  Reply start_srp(const std::string& client_id, const nlohmann::json& params);
  Reply answer_password_verifier(const std::string& client_id, const nlohmann::json& responses);
  Reply answer_new_password(const std::string& client_id, const std::string& session, const nlohmann::json& responses);
  // Tokens for a sign-in whose password is proven, or the NEW_PASSWORD_REQUIRED challenge.
  Reply finish_sign_in(const std::string& client_id, const std::string& pool_id, const std::string& username);

  IdentityProvider& idp_;
  Runner run_;
  std::function<void(bool)> follow_up_;
  ReadAttributes read_attributes_;
  std::function<std::string(const std::string&, const std::string&)> mailbox_;
  std::mutex mu_;
  struct Pool {
    std::string name;
    std::string issuer;
  };
  std::map<std::string, Pool> pools_;           // pool id -> what DescribeUserPool answers
  std::map<std::string, std::string> clients_;  // client id -> pool id
  std::map<std::string, std::string> client_names_;      // client id -> its name
  std::map<std::string, std::set<std::string>> groups_;  // pool id -> the groups created in it
  Rng rng_;
  std::map<std::pair<std::string, std::string>, std::string> passwords_;  // (pool id, username) -> password
  std::map<std::pair<std::string, std::string>, std::string> temporary_passwords_;  // generated ones, likewise
  // Sign-ins waiting for RespondToAuthChallenge, by SECRET_BLOCK (PASSWORD_VERIFIER) or Session
  // (NEW_PASSWORD_REQUIRED). Each is answered once; the oldest are dropped beyond
  // kMaxPendingSignIns (clients that never answer).
  struct PendingSignIn {
    std::string challenge;  // "PASSWORD_VERIFIER" or "NEW_PASSWORD_REQUIRED"
    std::string client_id;
    std::string pool_id;
    std::string username;
    std::string key;  // PASSWORD_VERIFIER: the SRP session key
  };
  static constexpr size_t kMaxPendingSignIns = 4096;
  std::map<std::string, PendingSignIn> pending_;
  std::vector<std::string> pending_order_;
  void remember(const std::string& handle, PendingSignIn sign_in);
};

}  // namespace tenantsim::cognito_wire
