// TokenVerifier: turns a bearer token into a Principal, or refuses it.
// RS256 only, verified against the issuer's JWKS by `kid`; every other `alg` (none, HS256 with the
// public key as secret, RS512, ...) is refused before any key is touched. Checks exp/nbf/iat with
// bounded leeway, iss (one of the trusted user pools), aud (ID tokens) or client_id (access tokens)
// against that pool's app clients, token_use, and the tenant claims. A silo pool belongs to one
// tenant: its tokens must name that tenant. Verified tokens are cached (bounded, expiring at exp).
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/auth/principal.h"
#include "core/auth/rsa_key.h"
#include "core/base/defects.h"
#include "core/base/result.h"
#include "core/base/task.h"
#include "core/ports/clock.h"
#include "core/ports/identity_provider.h"

namespace tenantsim {

struct TrustedPool {
  std::string pool_id;
  std::string issuer;
  std::set<std::string> client_ids;
  std::optional<std::string> tenant_id;  // set for a silo pool: only this tenant's tokens
};

struct VerifierPolicy {
  std::chrono::seconds leeway{60};
  bool accept_id_tokens = true;
  bool accept_access_tokens = true;  // needs the claims in the access token (pre-token-generation hook)
  size_t cache_capacity = 1 << 16;   // verified tokens kept; 0 disables the cache
  std::chrono::seconds jwks_refetch_interval{60};  // at most one refetch per issuer this often on unknown kid
};

// The claims of a token WITHOUT verifying it. Only for a token the caller has just received from
// the identity provider itself (a sign-in answer); never for a token a client presented.
std::optional<nlohmann::json> unverified_claims(const std::string& token);

// Which checks a layer makes. Only a defect run ever turns one off (the gateway that does not
// re-validate the audience); such a verification neither reads nor fills the cache.
struct VerifyChecks {
  bool audience = true;
};

class TokenVerifier {
 public:
  TokenVerifier(IdentityProvider& idp, Clock& clock, VerifierPolicy policy, const DefectSet* defects = nullptr);

  void trust(TrustedPool pool);
  void distrust(const std::string& issuer);

  using Checks = VerifyChecks;
  // The principal the token proves, or kUnauthorized naming the reason ("TokenExpired", "InvalidSignature", ...).
  Task<Result<Principal>> verify(std::string token, Checks checks = {});

  struct Stats {
    uint64_t cache_hits = 0;
    uint64_t signature_checks = 0;
    uint64_t jwks_fetches = 0;
  };
  Stats stats() const;

 private:
  struct PoolState {
    TrustedPool pool;
    std::map<std::string, RsaPublicKey> keys;
    Time last_fetch{};
    bool fetched = false;
  };
  struct CacheShard {
    std::mutex mu;
    std::unordered_map<std::string, Principal> entries;
  };

  Result<Principal> check_claims(const nlohmann::json& payload, const PoolState& pool, Checks checks) const;
  std::optional<Principal> cache_lookup(const std::string& token);
  void cache_store(const std::string& token, const Principal& p);
  Task<Status> refresh_keys(std::string issuer);

  IdentityProvider& idp_;
  Clock& clock_;
  VerifierPolicy policy_;
  const DefectSet* defects_;

  mutable std::mutex mu_;  // guards pools_
  std::map<std::string, PoolState> pools_;  // by issuer
  // Counters are atomics so that a cache hit, the hot path, takes only its shard's lock.
  std::atomic<uint64_t> cache_hits_{0};
  std::atomic<uint64_t> signature_checks_{0};
  std::atomic<uint64_t> jwks_fetches_{0};
  static constexpr size_t kShards = 16;
  std::array<CacheShard, kShards> cache_;
};

}  // namespace tenantsim
