// The load run's vocabulary, shared by its driver (load_run.cc) and its judge (load_judge.cc): the
// population as set up through the API, each planned request and what came back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tenantsim::load {

using Steady = std::chrono::steady_clock;

// What a request of the mix does. Probes are attacks whose only right answer is a refusal.
enum class Kind { kChat, kUsage, kSubscription, kCosts, kCrossTenant, kCrossTenantChat, kTamperedToken, kRaw };

inline const char* label_of(Kind k) {
  switch (k) {
    case Kind::kChat: return "POST /api/chat";
    case Kind::kUsage: return "GET /api/tenants/{tenant_id}/usage";
    case Kind::kSubscription: return "GET /api/tenants/{tenant_id}/subscription";
    case Kind::kCosts: return "GET /api/tenants/{tenant_id}/costs";
    case Kind::kCrossTenant: return "probe: another tenant's usage";
    case Kind::kCrossTenantChat: return "probe: chat as another tenant";
    case Kind::kTamperedToken: return "probe: tampered token";
    case Kind::kRaw: return "GET --path";
  }
  return "?";
}
inline bool is_probe(Kind k) { return k == Kind::kCrossTenant || k == Kind::kCrossTenantChat || k == Kind::kTamperedToken; }

struct LoadTenant {
  std::string id, tier;
  size_t admin = 0;  // index of its admin user
};

struct LoadUser {
  size_t tenant = 0;
  std::string username, password, sub, token, session, tampered;  // tampered: claims the next tenant
  Steady::time_point session_sent{}, session_answered{};          // its session's open call
};

struct Planned {
  int64_t at_us = 0;  // intended send time, from the start of traffic
  size_t user = 0;
  Kind kind = Kind::kChat;
  size_t other = 0;   // the tenant a cross-tenant probe reaches for
  bool weather = false;
};

struct Outcome {
  int status = 0;  // 0: no answer (connection failed)
  int64_t latency_us = 0;
  std::string code;
  // What the oracle reads of an answer: a chat's or a subscription's body (2xx), a limit's Retry-After.
  std::string body;
  std::optional<int64_t> retry_after;
};

}  // namespace tenantsim::load
