#include "core/auth/token_verifier.h"

#include <nlohmann/json.hpp>

#include "core/auth/base64url.h"
#include "core/base/json_text.h"
#include "core/base/rng.h"

namespace tenantsim {

namespace {

Error unauthorized(const char* name, std::string message) {
  return Error::make(ErrorKind::kUnauthorized, name, std::move(message));
}

struct Parts {
  std::string header;
  std::string payload;
  std::string signature;
  std::string_view signing_input;
};

Result<Parts> split(const std::string& token) {
  const auto d1 = token.find('.');
  const auto d2 = d1 == std::string::npos ? d1 : token.find('.', d1 + 1);
  if (d1 == std::string::npos || d2 == std::string::npos || token.find('.', d2 + 1) != std::string::npos)
    return unauthorized("MalformedToken", "token is not three dot-separated parts");
  auto h = base64url_decode(std::string_view(token).substr(0, d1));
  auto p = base64url_decode(std::string_view(token).substr(d1 + 1, d2 - d1 - 1));
  auto s = base64url_decode(std::string_view(token).substr(d2 + 1));
  if (!h || !p || !s) return unauthorized("MalformedToken", "token part is not base64url");
  return Parts{std::move(*h), std::move(*p), std::move(*s), std::string_view(token).substr(0, d2)};
}

std::string string_claim(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> time_claim(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// Every time claim present must be a whole number of seconds: one that is not (a string "nbf", say)
// refuses the token, rather than being read as absent and its check skipped.
bool time_claims_well_formed(const nlohmann::json& j) {
  for (const char* name : {"exp", "iat", "nbf", "auth_time"})
    if (auto it = j.find(name); it != j.end() && !it->is_number_integer()) return false;
  return true;
}

}  // namespace

std::optional<nlohmann::json> unverified_claims(const std::string& token) {
  auto parts = split(token);
  if (!parts.ok()) return std::nullopt;
  auto payload = parse_json(parts->payload);
  if (payload.is_discarded() || !payload.is_object()) return std::nullopt;
  return payload;
}

TokenVerifier::TokenVerifier(IdentityProvider& idp, Clock& clock, VerifierPolicy policy, const DefectSet* defects)
    : idp_(idp), clock_(clock), policy_(policy), defects_(defects) {}

void TokenVerifier::trust(TrustedPool pool) {
  std::lock_guard lock(mu_);
  auto& state = pools_[pool.issuer];
  state.pool = std::move(pool);
}

void TokenVerifier::distrust(const std::string& issuer) {
  {
    std::lock_guard lock(mu_);
    pools_.erase(issuer);
  }
  for (auto& shard : cache_) {  // tokens of a removed pool must stop working at once
    std::lock_guard lock(shard.mu);
    std::erase_if(shard.entries, [&](const auto& e) { return e.second.issuer == issuer; });
  }
}

TokenVerifier::Stats TokenVerifier::stats() const {
  return Stats{cache_hits_.load(), signature_checks_.load(), jwks_fetches_.load()};
}

std::optional<Principal> TokenVerifier::cache_lookup(const std::string& token) {
  if (policy_.cache_capacity == 0) return std::nullopt;
  auto& shard = cache_[stable_hash(token) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(token);
  if (it == shard.entries.end()) return std::nullopt;
  if (clock_.now() >= it->second.expires_at + policy_.leeway) {
    shard.entries.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void TokenVerifier::cache_store(const std::string& token, const Principal& p) {
  if (policy_.cache_capacity == 0) return;
  auto& shard = cache_[stable_hash(token) % kShards];
  std::lock_guard lock(shard.mu);
  if (shard.entries.size() >= policy_.cache_capacity / kShards + 1) {
    // Full: drop expired entries first, then everything (cheap, and a miss only costs a verify).
    const Time now = clock_.now();
    std::erase_if(shard.entries, [&](const auto& e) { return now >= e.second.expires_at; });
    if (shard.entries.size() >= policy_.cache_capacity / kShards + 1) shard.entries.clear();
  }
  shard.entries.emplace(token, p);
}

Task<Status> TokenVerifier::refresh_keys(std::string issuer) {
  std::string pool_id;
  {
    std::lock_guard lock(mu_);
    auto it = pools_.find(issuer);
    if (it == pools_.end()) co_return unauthorized("UntrustedIssuer", "issuer is not a trusted user pool");
    const Time now = clock_.now();
    if (it->second.fetched && now - it->second.last_fetch < policy_.jwks_refetch_interval) co_return Status{};
    it->second.last_fetch = now;
    it->second.fetched = true;
    pool_id = it->second.pool.pool_id;
    ++jwks_fetches_;
  }
  auto doc = co_await idp_.jwks(pool_id);
  if (!doc.ok()) co_return Error::make(ErrorKind::kUnavailable, "JwksUnavailable", doc.error().message);
  auto keys = parse_jwks(doc.value());
  if (!keys.ok()) co_return keys.take_error();
  std::lock_guard lock(mu_);
  auto it = pools_.find(issuer);
  if (it != pools_.end()) it->second.keys = std::move(keys).value();
  co_return Status{};
}

Task<Result<Principal>> TokenVerifier::verify(std::string token, Checks checks) {
  if (token.empty()) co_return unauthorized("MissingToken", "no bearer token");
  const bool all_checks = checks.audience;
  if (auto cached = all_checks ? cache_lookup(token) : std::nullopt) {
    ++cache_hits_;
    co_return *cached;
  }

  auto parts = split(token);
  if (!parts.ok()) co_return parts.take_error();
  auto header = parse_json(parts->header);
  auto payload = parse_json(parts->payload);
  if (!header.is_object() || !payload.is_object()) co_return unauthorized("MalformedToken", "header or payload is not a JSON object");

  // The algorithm is fixed by us, never chosen by the token: this is what defeats "alg":"none"
  // and HS256 signed with the public key.
  if (string_claim(header, "alg") != "RS256") co_return unauthorized("UnsupportedAlgorithm", "alg must be RS256");
  const std::string kid = string_claim(header, "kid");
  if (kid.empty()) co_return unauthorized("MissingKeyId", "header has no kid");
  const std::string issuer = string_claim(payload, "iss");

  PoolState pool_copy;
  bool have_key = false;
  for (int attempt = 0; attempt < 2 && !have_key; ++attempt) {
    {
      std::lock_guard lock(mu_);
      auto it = pools_.find(issuer);
      if (it == pools_.end()) co_return unauthorized("UntrustedIssuer", "iss is not a trusted user pool");
      have_key = it->second.keys.count(kid) > 0;
      if (have_key || attempt == 1) pool_copy = it->second;
    }
    if (!have_key && attempt == 0) {
      auto st = co_await refresh_keys(issuer);
      if (!st.ok()) co_return st.take_error();
    }
  }
  const bool skip_signature = defects_ && defects_->on(Defect::kJwtSignatureNotVerified);
  if (!skip_signature) {
    auto key = pool_copy.keys.find(kid);
    if (key == pool_copy.keys.end()) co_return unauthorized("UnknownKeyId", "kid is not in the issuer's JWKS");
    ++signature_checks_;
    if (!key->second.verify_rs256(parts->signing_input, parts->signature))
      co_return unauthorized("InvalidSignature", "signature does not verify");
  }

  auto principal = check_claims(payload, pool_copy, checks);
  if (!principal.ok()) co_return principal.take_error();
  if (all_checks) cache_store(token, principal.value());
  co_return principal;
}

Result<Principal> TokenVerifier::check_claims(const nlohmann::json& payload, const PoolState& pool, Checks checks) const {
  const int64_t now = to_unix_seconds(clock_.now());
  const int64_t leeway = policy_.leeway.count();

  if (!time_claims_well_formed(payload))
    return unauthorized("MalformedTimeClaims", "exp, iat, nbf and auth_time must be integers (seconds since the epoch)");
  const auto exp = time_claim(payload, "exp");
  const auto iat = time_claim(payload, "iat");
  if (!exp || !iat) return unauthorized("MissingTimeClaims", "exp and iat are required");
  if (now >= *exp + leeway) return unauthorized("TokenExpired", "token has expired");
  const bool subtracted = defects_ && defects_->on(Defect::kIatLeewaySubtracted);
  if (*iat > now + (subtracted ? -leeway : leeway)) return unauthorized("TokenNotYetValid", "iat is in the future");
  if (auto nbf = time_claim(payload, "nbf"); nbf && *nbf > now + leeway)
    return unauthorized("TokenNotYetValid", "nbf is in the future");

  Principal p;
  p.issuer = pool.pool.issuer;
  p.token_use = string_claim(payload, "token_use");
  if (p.token_use == "id") {
    if (!policy_.accept_id_tokens) return unauthorized("WrongTokenUse", "ID tokens are not accepted");
    p.client_id = string_claim(payload, "aud");
    p.username = string_claim(payload, "cognito:username");
  } else if (p.token_use == "access") {
    if (!policy_.accept_access_tokens) return unauthorized("WrongTokenUse", "access tokens are not accepted");
    p.client_id = string_claim(payload, "client_id");
    p.username = string_claim(payload, "username");
  } else if (defects_ && defects_->on(Defect::kTokenUseNotChecked)) {
    p.client_id = payload.contains("aud") ? string_claim(payload, "aud") : string_claim(payload, "client_id");
  } else {
    return unauthorized("WrongTokenUse", "token_use must be id or access");
  }
  if (checks.audience && !pool.pool.client_ids.count(p.client_id))
    return unauthorized("WrongAudience", "aud/client_id is not an app client of the pool");

  p.sub = string_claim(payload, "sub");
  p.tenant_id = string_claim(payload, "custom:tenant_id");
  p.tier = string_claim(payload, "custom:subscription_tier");
  if (p.sub.empty()) return unauthorized("MissingClaims", "sub is required");
  if (p.tenant_id.empty() || p.tier.empty())
    return unauthorized("MissingTenantClaims", "custom:tenant_id and custom:subscription_tier are required");
  if (pool.pool.tenant_id && *pool.pool.tenant_id != p.tenant_id)
    return unauthorized("TenantPoolMismatch", "token's tenant does not own this silo user pool");
  if (auto g = payload.find("cognito:groups"); g != payload.end()) {
    if (!g->is_array()) return unauthorized("MalformedToken", "cognito:groups must be an array");
    for (const auto& v : *g)
      if (v.is_string()) p.groups.push_back(v.get<std::string>());
  }
  p.expires_at = from_unix_seconds(*exp);
  return p;
}

}  // namespace tenantsim
