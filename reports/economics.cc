#include "reports/economics.h"

#include <fmt/format.h>

#include <algorithm>

namespace tenantsim {

namespace {

// Nearest rank: the smallest value with at least p% of the values at or below it.
Money nearest_rank(const std::vector<Money>& sorted, int p) {
  if (sorted.empty()) return Money{};
  const size_t rank = (sorted.size() * static_cast<size_t>(p) + 99) / 100;
  return sorted[std::max<size_t>(rank, 1) - 1];
}

}  // namespace

bool tier_less(const std::string& a, const std::string& b) {
  auto rank = [](const std::string& t) { return t == "basic" ? 0 : t == "advanced" ? 1 : t == "premium" ? 2 : 3; };
  return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
}

std::vector<const TenantRow*> most_expensive_tenants(const RunResult& r, size_t n) {
  std::vector<const TenantRow*> out;
  for (const auto& t : r.tenants) out.push_back(&t);
  std::sort(out.begin(), out.end(), [](const TenantRow* a, const TenantRow* b) {
    return a->cost != b->cost ? a->cost > b->cost : a->id < b->id;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

std::vector<TierEconomics> tier_economics(const RunResult& r) {
  std::map<std::string, TierEconomics> by;
  std::map<std::string, std::vector<Money>> costs;
  for (const auto& t : r.tenants) {
    auto& e = by[t.tier];
    e.tier = t.tier;
    ++e.tenants;
    e.users += t.users;
    e.messages += t.chats_accepted;
    e.requests += t.requests;
    e.refused_limit += t.refused_limit;
    e.throttled += t.throttled;
    e.failed += t.failed;
    e.revenue += t.revenue;
    e.cost += t.cost;
    for (const auto& [svc, m] : t.cost_by_service) e.cost_by_service[svc] += m;
    if (t.cost > t.revenue) ++e.losing_tenants;
    costs[t.tier].push_back(t.cost);
  }
  std::vector<TierEconomics> out;
  for (auto& [tier, e] : by) {
    e.margin = e.revenue - e.cost;
    if (e.revenue.pico > 0)
      e.margin_bp = static_cast<int64_t>(static_cast<Int128>(e.margin.pico) * 10000 / e.revenue.pico);
    auto& c = costs[tier];
    std::sort(c.begin(), c.end());
    e.tenant_cost_p50 = nearest_rank(c, 50);
    e.tenant_cost_p90 = nearest_rank(c, 90);
    e.tenant_cost_p99 = nearest_rank(c, 99);
    e.tenant_cost_max = c.empty() ? Money{} : c.back();
    if (e.messages > 0) e.cost_per_message = Money{e.cost.pico / e.messages};
    // Break-even at the margin: what does not grow with messages is paid before the first one.
    Money fixed;
    for (const char* service : {"silo_fixed", "cognito"})
      if (auto it = e.cost_by_service.find(service); it != e.cost_by_service.end()) fixed += it->second;
    const Money marginal = e.cost - fixed;
    if (e.tenants > 0 && e.revenue.pico < fixed.pico) {
      e.break_even_never = true;
    } else if (e.tenants > 0 && e.messages > 0 && marginal.pico > 0) {
      const Int128 headroom = static_cast<Int128>(e.revenue.pico - fixed.pico) * e.messages;
      e.break_even_messages_per_tenant = static_cast<int64_t>(headroom / (static_cast<Int128>(marginal.pico) * e.tenants));
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return tier_less(a.tier, b.tier); });
  return out;
}

std::string bp_percent(int64_t bp) {
  const int64_t a = bp < 0 ? -bp : bp;
  return fmt::format("{}{}.{:02d}", bp < 0 ? "-" : "", a / 100, a % 100);
}

}  // namespace tenantsim
