#include "scenarios/population.h"

#include <algorithm>

#include <fmt/format.h>

namespace tenantsim {

namespace {

// Relative chance of a session starting in each local hour (quiet nights, busy office hours).
constexpr double kDiurnal[24] = {0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.2, 1.1,
                                 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3};

}  // namespace

int diurnal_hour(double unit) {
  // The sum is derived, not written down: a hard-coded 14.9 (the weights sum to 16.7) once meant
  // that no session ever started in local hours 21 to 23.
  double total = 0;
  for (double w : kDiurnal) total += w;
  double pick = unit * total;
  int hour = 0;
  for (; hour < 23 && pick >= kDiurnal[hour]; ++hour) pick -= kDiurnal[hour];
  return hour;
}

double diurnal_weight(int hour) { return kDiurnal[hour]; }

std::vector<SimTenant> plan_population(const Scenario& s, const TierCatalog& tiers, const ZoneDatabase& zones) {
  const Rng population = Rng(s.seed).split("population");
  std::vector<std::pair<std::string, double>> mix(s.tier_mix.begin(), s.tier_mix.end());
  double total = 0;
  for (const auto& [tier, w] : mix) total += w;
  const bool attacks = !s.adversaries.kinds.empty();
  const size_t pairs = 2 * static_cast<size_t>(s.prefix_pairs);

  std::vector<SimTenant> out;
  for (int i = 0; i < s.tenants; ++i) {
    // Each tenant's draws come from its own stream, in one fixed order.
    Rng r = population.split(static_cast<uint64_t>(i));
    SimTenant t;
    if (static_cast<size_t>(i) < pairs) t.id = i % 2 ? fmt::format("acme{}-corp", i / 2) : fmt::format("acme{}", i / 2);
    else t.id = fmt::format("tenant-{:05d}", i);
    double pick = r.unit() * total;
    t.tier = mix.back().first;
    for (const auto& [tier, w] : mix) {
      if (pick < w) {
        t.tier = tier;
        break;
      }
      pick -= w;
    }
    // One draw either way, so a scenario's other draws do not move when it switches to named zones.
    if (s.time_zones.empty()) {
      t.offset = s.utc_offsets_minutes[r.uniform(s.utc_offsets_minutes.size())];
      t.zone = TimeZone::fixed(t.offset);
    } else {
      t.time_zone = s.time_zones[r.uniform(s.time_zones.size())];
      t.zone = TimeZone::named(t.time_zone, zones.find(t.time_zone));
    }
    t.adversary = attacks && r.chance(s.adversaries.share);
    // Prefix siblings attack each other on every seed, not when the draw happens to pick them.
    if (static_cast<size_t>(i) < pairs && attacks) t.adversary = true;
    int64_t users = r.between(s.users_per_tenant.min, s.users_per_tenant.max);
    if (t.adversary) users = std::max<int64_t>(users, 2);  // one attacks as a plain user
    const TierBehaviour& b = s.behaviour.at(t.tier);
    // A silo tenant has a user pool of its own, so its usernames are plain and repeat across
    // tenants ("owner"), as in real sign-ups; the pooled pool needs them unique.
    const TierPolicy* policy = tiers.find(t.tier);
    const std::string suffix = policy && policy->deployment == Deployment::kSilo ? "" : "@" + t.id;
    for (int64_t u = 0; u < users; ++u) {
      SimUser user;
      user.username = u == 0 ? "owner" + suffix : fmt::format("user-{}{}", u, suffix);
      user.admin = u == 0;
      user.heavy = r.chance(b.heavy_user_share);
      // Every other user calls with its access token, as API clients do.
      user.access_token = u % 2 == 1;
      user.rng = Rng(s.seed).split(t.id).split(static_cast<uint64_t>(u));
      t.users.push_back(std::move(user));
    }
    out.push_back(std::move(t));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    auto& t = out[i];
    if (t.adversary) t.victim = out[(i + 1) % out.size()].id;
    if (t.adversary && i < pairs) t.victim = out[i % 2 == 0 ? i + 1 : i - 1].id;  // acme{k} <-> acme{k}-corp
  }
  return out;
}

}  // namespace tenantsim
