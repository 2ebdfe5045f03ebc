// The load run's vocabulary, shared by its driver (load_run.cc) and its judge (load_judge.cc): the
// population as set up through the API, each planned request and what came back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "harness/load/target_profile.h"

namespace tenantsim::load {

using Steady = std::chrono::steady_clock;

// What a request of the mix does. Probes are attacks whose only right answer is a refusal; each
// token probe's forged claim names the tenant it then reaches for.
enum class Kind {
  kChat, kUsage, kSubscription, kCosts,
  kCrossTenant,      // another tenant's usage with one's own token: 403
  kCrossTenantChat,  // a chat in another tenant's context: 403
  kTamperedToken,    // one's token with the tenant claim edited (signature kept): 401
  kAlgNone,          // the claims re-encoded "alg": "none", no signature: 401
  kForeignKey,       // the claims signed RS256 with the attacker's own key under the pool's kid: 401
  kExpiredToken,     // the caller's own claims, signed with the pool's key, expired: 401
  kWrongAudience,    // the same, minted for another app client of the pool: 401
  kOtherPool,        // the claims naming the next tenant, signed by a user pool of the attacker's own: 401
  kNoToken,          // a token route with no Authorization at all: 401
  kEscalation,       // a plain user on an admin route of its own tenant: 403
  kRaw
};

inline const char* label_of(Kind k) {
  switch (k) {
    case Kind::kChat: return "POST /api/chat";
    case Kind::kUsage: return "GET /api/tenants/{tenant_id}/usage";
    case Kind::kSubscription: return "GET /api/tenants/{tenant_id}/subscription";
    case Kind::kCosts: return "GET /api/tenants/{tenant_id}/costs";
    case Kind::kCrossTenant: return "probe: another tenant's usage";
    case Kind::kCrossTenantChat: return "probe: chat as another tenant";
    case Kind::kTamperedToken: return "probe: tampered token";
    case Kind::kAlgNone: return "probe: alg none token";
    case Kind::kForeignKey: return "probe: token signed with another key";
    case Kind::kExpiredToken: return "probe: expired token";
    case Kind::kWrongAudience: return "probe: token of another app client";
    case Kind::kOtherPool: return "probe: token of another user pool";
    case Kind::kNoToken: return "probe: no token";
    case Kind::kEscalation: return "probe: plain user on an admin route";
    case Kind::kRaw: return "GET --path";
  }
  return "?";
}
inline bool is_probe(Kind k) { return k >= Kind::kCrossTenant && k <= Kind::kEscalation; }
// The class of a probe's one right answer: a caller the system knows reaching past its rights
// (forbidden), a token it must not believe (untrusted), or none at all; the target profile says
// which statuses each class is answered with there.
inline const std::set<int>& refusals_of(const TargetProfile& profile, Kind k) {
  if (k == Kind::kCrossTenant || k == Kind::kCrossTenantChat || k == Kind::kEscalation) return profile.forbidden;
  return k == Kind::kNoToken ? profile.no_token : profile.untrusted_token;
}

struct LoadTenant {
  std::string id, tier;
  size_t admin = 0;  // index of its admin user
};

struct LoadUser {
  size_t tenant = 0;
  bool admin = false;  // its tenant's admin (the first user)
  int n = 0;           // its number in the tenant (0: the admin)
  std::string username, password, sub, token, session;
  std::string tampered, alg_none, foreign_key;  // forged from `token`, each claiming the next tenant
  // Its own claims signed with the pool's key, expired or for another app client: what a verifier
  // that checks the signature alone lets in. Empty when nothing can sign with the pool's key (a
  // real Cognito): those probes are then not sent.
  std::string expired, wrong_audience;
  std::string other_pool;  // claiming the next tenant, signed by the attacker's own pool
  Steady::time_point session_sent{}, session_answered{};          // its session's open call
};

struct Planned {
  int64_t at_us = 0;  // intended send time, from the start of traffic
  size_t user = 0;
  Kind kind = Kind::kChat;
  size_t other = 0;   // the tenant a cross-tenant probe reaches for
  bool weather = false;
  int route = 0;       // which route a no-token or escalation probe takes
};

// A user's template values ({tenant_id} its own tenant; {message} empty): what onboarding and
// every request start from.
inline TemplateVars vars_of(const LoadUser& u, const LoadTenant& t) {
  return {t.id, t.id, u.sub, u.username, u.password, u.session, "", t.tier, std::to_string(u.n)};
}

// The request a planned one sends, from the target profile's templates (the driver adds the
// token): `own` is the caller's tenant, `other` the one a cross-tenant probe reaches for, and
// `message` a chat's text. A forged token reaches for the tenant its forged claim names.
inline RenderedRequest request_of(const TargetProfile& profile, const Planned& p, const LoadUser& u,
                                  const LoadTenant& own, const LoadTenant& other, const std::string& message) {
  TemplateVars v = vars_of(u, own);
  v.message = message;
  const RouteTemplate* route = &profile.chat;
  switch (p.kind) {
    case Kind::kChat: break;
    case Kind::kCrossTenantChat: v.tenant_id = other.id; break;
    case Kind::kUsage: route = &profile.usage; break;
    case Kind::kSubscription: route = &profile.subscription; break;
    case Kind::kCosts: route = &profile.costs; break;
    case Kind::kCrossTenant:
    case Kind::kAlgNone:
      route = &profile.usage;
      v.tenant_id = other.id;
      break;
    case Kind::kTamperedToken:
    case Kind::kForeignKey:
    case Kind::kOtherPool:
      route = &profile.subscription;
      v.tenant_id = other.id;
      break;
    case Kind::kExpiredToken:
    case Kind::kWrongAudience: route = &profile.usage; break;  // the caller's own data, with a token it must not use
    case Kind::kNoToken: route = &profile.token_routes[static_cast<size_t>(p.route) % profile.token_routes.size()]; break;
    case Kind::kEscalation: route = &profile.admin_routes[static_cast<size_t>(p.route) % profile.admin_routes.size()]; break;
    case Kind::kRaw: return {"GET", "/", nullptr};
  }
  return render(*route, v);
}

struct Outcome {
  int status = 0;  // 0: no answer (connection failed)
  int64_t latency_us = 0;
  std::string code;
  // What the oracle reads of an answer: a chat's or a subscription's body (2xx), a limit's Retry-After.
  std::string body;
  std::optional<int64_t> retry_after;
};

}  // namespace tenantsim::load
