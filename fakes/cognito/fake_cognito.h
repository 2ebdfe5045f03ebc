// FakeCognito: in-memory Cognito user pools behind the IdentityProvider port. Deterministic ids
// from the seeded Rng; tokens are real RS256 JWTs with Cognito's claim names, verifiable against
// the pool's JWKS. Sign-up needs the emailed code (read from mailbox()), groups show up as
// cognito:groups, keys rotate (old keys stay published until retired), request-rate quotas answer
// TooManyRequestsException. The ledger counts requests and monthly active users per pool. Faults
// and latency are not the service's: harness/faults/faulty_identity.h puts them at the port.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "core/ports/clock.h"
#include "core/ports/identity_provider.h"
#include "core/base/rng.h"

namespace tenantsim {

struct CognitoLedger {
  std::map<std::string, uint64_t> requests_by_operation;
  std::map<std::string, std::set<std::string>> active_users_by_pool;  // users who authenticated
  // Monthly active users as Cognito bills them: UTC month "YYYY-MM" -> pool -> sub that signed in
  // (or refreshed) that month -> the UTC day "YYYY-MM-DD" it first did. A user active in two months
  // counts in each; a daily cost report charges the user on that first day.
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> active_users_by_month;
  uint64_t throttled = 0;
};

struct CognitoQuotas {
  int auth_requests_per_second = 120;          // "UserAuthentication" category
  int create_requests_per_second = 50;         // "UserCreation" category
  std::string region = "us-east-1";
  // Sign with keys made for this process (SigningKey::fresh_material) instead of the published
  // fixtures: for every server that listens, where anyone could otherwise sign their own tokens.
  // Virtual-time runs keep the fixtures (no one can reach them, and key making would be most of a
  // short run's time).
  bool fresh_keys = false;

  static CognitoQuotas with_fresh_keys(bool fresh) {
    CognitoQuotas q;
    q.fresh_keys = fresh;
    return q;
  }
};

class FakeCognito final : public IdentityProvider {
 public:
  FakeCognito(Clock& clock, Rng rng, CognitoQuotas quotas = {});
  ~FakeCognito() override;

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
  Task<Result<UserRecord>> get_user(std::string access_token) override;
  Task<Result<AuthTokens>> initiate_auth_password(std::string client_id, std::string username,
                                                  std::string password) override;
  Task<Result<AuthTokens>> initiate_auth_refresh(std::string client_id, std::string refresh_token) override;
  Task<Status> update_user_attributes(std::string access_token, Attributes attributes) override;
  Task<Status> admin_set_user_enabled(std::string pool_id, std::string username, bool enabled) override;
  Task<Status> admin_user_global_sign_out(std::string pool_id, std::string username) override;
  Task<Status> global_sign_out(std::string access_token) override;
  Task<Status> revoke_token(std::string client_id, std::string refresh_token) override;
  Task<Result<std::string>> jwks(std::string pool_id) override;

  // The confirmation code last "emailed" to a user of the client's pool (empty if none).
  std::string mailbox(const std::string& client_id, const std::string& username) const;
  // CreateUserPoolClient's ReadAttributes (the port leaves them out: every attribute readable): what
  // the client's ID tokens and GetUser show of a user. False when there is no such client.
  bool set_read_attributes(const std::string& client_id, std::vector<std::string> attributes);
  // Publishes a new signing key and signs with it from now on; the old one stays in the JWKS.
  void rotate_keys(const std::string& pool_id);
  // Removes every key but the newest from the JWKS (tokens signed by them stop verifying).
  void retire_old_keys(const std::string& pool_id);
  CognitoLedger ledger() const;
  // While on, port calls are steps of one wire call already admitted (AdminCreateUser's temporary
  // password, say): no quota applies to them, so a throttle cannot leave that call half
  // done. The wire layer turns it on and off around those steps, under its own lock.
  void set_follow_up(bool on);

  // Signs arbitrary claims with the pool's active key, as the pool would. For tests that need a
  // correctly signed token with wrong claims (expired, wrong audience, ...); empty if no such pool.
  // The claims text is signed byte for byte, not re-serialized.
  std::string sign_claims(const std::string& pool_id, const std::string& claims_json) const;

  struct State;

 private:
  std::unique_ptr<State> s_;
};

}  // namespace tenantsim
