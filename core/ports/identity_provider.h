// IdentityProvider: the Cognito user-pool operations the system and its onboarding use.
// Tokens are RS256 JWTs whose keys the pool publishes as a JWKS document. Failures carry Cognito's
// exception names: NotAuthorizedException (kUnauthorized), UsernameExistsException (kConflict),
// UserNotFoundException (kNotFound), UserNotConfirmedException (kForbidden), CodeMismatchException,
// InvalidParameterException and InvalidPasswordException (kBadRequest), ResourceNotFoundException
// (kNotFound), TooManyRequestsException (kTooManyRequests).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/task.h"
#include "core/base/time.h"

namespace tenantsim {

struct UserPoolConfig {
  std::string name;
  // Custom attributes the pool accepts, without the "custom:" prefix (e.g. "tenant_id").
  std::vector<std::string> custom_attributes;
  // The pre-token-generation hook of seed 004: copies custom attributes into access tokens too.
  bool copy_custom_claims_to_access_token = false;
  Duration id_token_validity = std::chrono::hours(1);
  Duration access_token_validity = std::chrono::hours(1);
  Duration refresh_token_validity = std::chrono::hours(24 * 30);
};

struct UserPool {
  std::string pool_id;  // "us-east-1_AbC123xyz"
  std::string issuer;   // "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz"
};

struct AuthTokens {
  std::string id_token;
  std::string access_token;
  std::string refresh_token;  // empty on a refresh
  int64_t expires_in = 3600;  // seconds
};

using Attributes = std::map<std::string, std::string>;

// The attributes every Cognito user pool has (OIDC's standard claims), beside its custom ones.
inline constexpr std::string_view kStandardAttributes[] = {
    "address",  "birthdate", "email",          "family_name", "gender",  "given_name",         "locale",
    "middle_name", "name",   "nickname",       "phone_number", "picture", "preferred_username", "profile",
    "sub",      "updated_at", "website",       "zoneinfo",    "email_verified", "phone_number_verified"};

struct UserRecord {
  std::string username;
  std::string sub;
  std::string status;  // "UNCONFIRMED", "CONFIRMED", "FORCE_CHANGE_PASSWORD"
  bool enabled = true;  // AdminDisableUser turns it off
  Attributes attributes;
  std::vector<std::string> groups;
};

class IdentityProvider {
 public:
  IdentityProvider() = default;
  IdentityProvider(const IdentityProvider&) = delete;
  IdentityProvider& operator=(const IdentityProvider&) = delete;
  virtual ~IdentityProvider() = default;

  virtual Task<Result<UserPool>> create_user_pool(UserPoolConfig config) = 0;
  virtual Task<Status> delete_user_pool(std::string pool_id) = 0;
  // Returns the new app client's id (the `aud` of ID tokens, `client_id` of access tokens).
  // `write_attributes`: the attributes its users may change about themselves
  // (UpdateUserAttributes). nullopt, as in Cognito when WriteAttributes is left out, means all of
  // them, custom attributes included: a user could then rewrite their own tenant claim.
  virtual Task<Result<std::string>> create_app_client(std::string pool_id, std::string name,
                                                      std::optional<std::vector<std::string>> write_attributes) = 0;

  // Self-service sign-up: the user is UNCONFIRMED until confirm_sign_up with the emailed code.
  // Public: anyone holding the app client's id (which every web page carries) can call it, so the
  // attributes it sets are the caller's word, and only the client's write attributes are accepted
  // (NotAuthorizedException "A client attempted to write unauthorized attribute" for others).
  // Returns the user's `sub`.
  virtual Task<Result<std::string>> sign_up(std::string client_id, std::string username, std::string password,
                                            Attributes attributes) = 0;
  virtual Task<Status> confirm_sign_up(std::string client_id, std::string username, std::string code) = 0;
  // AdminConfirmSignUp: the pool owner confirms a signed-up user without a code (the e-mail stays
  // unverified). NotAuthorizedException when the user is not UNCONFIRMED.
  virtual Task<Status> admin_confirm_sign_up(std::string pool_id, std::string username) = 0;
  // Admin creation: the user is CONFIRMED with `password` as a permanent password. Returns `sub`.
  virtual Task<Result<std::string>> admin_create_user(std::string pool_id, std::string username, std::string password,
                                                      Attributes attributes) = 0;
  virtual Task<Result<UserRecord>> admin_get_user(std::string pool_id, std::string username) = 0;
  // AdminUpdateUserAttributes: with the pool owner's credentials, never a user's token, so any
  // attribute, those no app client may write included. How the system writes tenant claims.
  virtual Task<Status> admin_update_user_attributes(std::string pool_id, std::string username,
                                                    Attributes attributes) = 0;
  // AdminDeleteUser.
  virtual Task<Status> admin_delete_user(std::string pool_id, std::string username) = 0;
  virtual Task<Status> create_group(std::string pool_id, std::string group) = 0;
  virtual Task<Status> admin_add_user_to_group(std::string pool_id, std::string username, std::string group) = 0;
  virtual Task<Result<std::vector<UserRecord>>> list_users(std::string pool_id) = 0;

  // AdminSetUserPassword. `permanent`: the user is CONFIRMED with it; otherwise it is a temporary
  // password (FORCE_CHANGE_PASSWORD) with which the next sign-in must choose a new one.
  virtual Task<Status> admin_set_user_password(std::string pool_id, std::string username, std::string password,
                                               bool permanent) = 0;

  // USER_PASSWORD_AUTH: fresh ID, access and refresh tokens. A user signing in with a temporary
  // password gets NewPasswordRequiredChallenge (kForbidden): Cognito's NEW_PASSWORD_REQUIRED
  // challenge, which this port does not answer (the wire API and real clients do).
  virtual Task<Result<AuthTokens>> initiate_auth_password(std::string client_id, std::string username,
                                                          std::string password) = 0;
  // REFRESH_TOKEN_AUTH: fresh ID and access tokens; claims (groups, attributes) as they are now.
  virtual Task<Result<AuthTokens>> initiate_auth_refresh(std::string client_id, std::string refresh_token) = 0;

  // UpdateUserAttributes: the signed-in user (by access token) changes their own attributes.
  // NotAuthorizedException when the token is not a valid access token of the pool, or when an
  // attribute is not among the app client's write attributes.
  virtual Task<Status> update_user_attributes(std::string access_token, Attributes attributes) = 0;

  // GetUser: the signed-in user's own record, by access token (NotAuthorizedException for one the
  // pool did not issue or that has expired).
  virtual Task<Result<UserRecord>> get_user(std::string access_token) = 0;

  // AdminDisableUser / AdminEnableUser: a disabled user cannot sign in or refresh its tokens
  // (NotAuthorizedException "User is disabled."); the ID and access tokens it holds stay valid
  // until they expire, as in Cognito. UserNotFoundException for an unknown user.
  virtual Task<Status> admin_set_user_enabled(std::string pool_id, std::string username, bool enabled) = 0;
  // AdminUserGlobalSignOut and GlobalSignOut (by the user's own access token): every refresh token
  // the user holds is revoked, and its access tokens no longer work with the pool's own API
  // (GetUser...). Its ID tokens stay valid until they expire: a verifier cannot know.
  virtual Task<Status> admin_user_global_sign_out(std::string pool_id, std::string username) = 0;
  virtual Task<Status> global_sign_out(std::string access_token) = 0;
  // RevokeToken: the refresh token is revoked with the access tokens made from it. A token of
  // another app client is UnauthorizedException; one the pool does not know is revoked already.
  virtual Task<Status> revoke_token(std::string client_id, std::string refresh_token) = 0;

  // The JSON Web Key Set the pool publishes at {issuer}/.well-known/jwks.json.
  virtual Task<Result<std::string>> jwks(std::string pool_id) = 0;
};

}  // namespace tenantsim
