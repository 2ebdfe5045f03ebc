#include "harness/billing.h"

#include <algorithm>

#include "core/domain/revenue.h"
#include "scenarios/population.h"

namespace tenantsim {

RunBill::RunBill(Time start, Time end, const TierCatalog& tiers, const PriceCatalog& prices,
                 const PlatformAttribution& platform, std::vector<TenantDayCost>& day_costs,
                 std::vector<TenantDayUsage>& day_usage)
    : start_(start), end_(end), tiers_(tiers), prices_(prices), platform_(platform),
      silo_lines_(prices.silo_fixed_monthly()), day_costs_(day_costs), day_usage_(day_usage) {}

void RunBill::add(const SimTenant& t, const Oracle::Metered& billed, std::map<std::string, UserRow>& user_rows,
                  TenantRow& row) {
  const auto& m = billed;
  for (const auto& [key, q] : m.quantity) row.quantities[key.first] += q;
  row.cost_by_service = m.cost_by_service;
  if (const auto it = platform_.by_tenant.find(t.id); it != platform_.by_tenant.end()) {
    row.quantities[quantity::kDynamoReadHalfUnits] = it->second.read_half_units;
    row.quantities[quantity::kDynamoWriteUnits] = it->second.write_units;
    row.quantities[quantity::kCognitoMaus] = it->second.monthly_active_users;
    for (const auto& [svc, money] : price_platform_usage(it->second, prices_)) row.cost_by_service[svc] = money;
  }
  if (const auto it = platform_.by_tenant_day.find(t.id); it != platform_.by_tenant_day.end()) {
    for (const auto& [day, services] : price_platform_usage_by_day(it->second, prices_))
      for (const auto& [svc, money] : services) {
        daily_platform_[day] += money;
        day_costs_.push_back({t.id, t.tier, day, svc, money});
      }
    for (const auto& [day, u] : it->second)
      for (const auto& [name, q] : {std::pair{quantity::kDynamoReadHalfUnits, u.read_half_units},
                                    std::pair{quantity::kDynamoWriteUnits, u.write_units},
                                    std::pair{quantity::kCognitoMaus, u.monthly_active_users}})
        if (q != 0) day_usage_.push_back({t.id, day, name, q});
  }
  // The tiers the tenant held over the run's window: what it pays for, and what its silo costs.
  std::vector<TierPeriod> periods{{t.tier, start_, end_}};
  for (const auto& [at, tier] : t.tier_history) {
    periods.back().to = at;
    periods.push_back({tier, at, end_});
    row.tier_changes.emplace_back(to_iso8601(at), tier);
  }
  const int64_t seats = static_cast<int64_t>(t.users.size());
  if (const Money fixed = silo_fixed_cost(periods, tiers_, silo_lines_); fixed != Money{})
    row.cost_by_service[metric::service_of(metric::kSiloFixedMonthly)] = fixed;
  for (const auto& [svc, money] : row.cost_by_service) row.cost += money;
  row.revenue_lines = recurring_revenue(periods, tiers_, seats);
  const auto overage = overage_by_day(t.messages, tiers_);
  for (const auto& [day, money] : overage) row.revenue_lines.overage += money;
  row.revenue = row.revenue_lines.total();
  // Revenue per user: the tenant's, split evenly over all its users (a seat earns the same whether
  // or not it was used), the odd picos to the first subs in order, so the users add up exactly.
    for (const auto& u : t.users) user_rows.try_emplace(u.sub, UserRow{t.id, t.tier, u.sub, {}, {}, {}});
  if (!user_rows.empty()) {
    const auto n = static_cast<int64_t>(user_rows.size());
    int64_t odd = row.revenue.pico % n;
    for (auto& [sub, u] : user_rows) u.revenue = Money{row.revenue.pico / n + (odd-- > 0 ? 1 : 0)};
  }
  for (const auto& [key, n] : t.messages) row.messages_by_month[{key.first.substr(0, 7), key.second}] += n;
  // Per UTC day, as differences of the amounts accrued up to each midnight, so that the days add
  // up exactly to the run's totals (each day floored on its own would not).
  Money revenue_before, fixed_before;
  for (Time day = start_; day < end_;) {
    const Time next = std::min(end_, next_day_start(day, 0));
    std::vector<TierPeriod> upto;
    for (const auto& p : periods)
      if (p.from < next) upto.push_back({p.tier, p.from, std::min(p.to, next)});
    const Money revenue = recurring_revenue(upto, tiers_, seats).total(), fixed = silo_fixed_cost(upto, tiers_, silo_lines_);
    daily_revenue_[day_key(day, 0)] += revenue - revenue_before;
    daily_fixed_[day_key(day, 0)] += fixed - fixed_before;
    if (fixed != fixed_before)
      day_costs_.push_back({t.id, t.tier, day_key(day, 0), metric::service_of(metric::kSiloFixedMonthly),
                                  fixed - fixed_before});
    revenue_before = revenue;
    fixed_before = fixed;
    day = next;
  }
  for (const auto& [day, money] : overage) daily_revenue_[day] += money;
}

std::vector<DayEconomics> RunBill::days(const std::map<std::string, Money>& daily_cost) const {
  std::map<std::string, DayEconomics> days;
  for (const auto& [day, money] : daily_revenue_) days[day].revenue = money;
  for (const auto& [day, money] : daily_cost) days[day].metered_cost = money;
  for (const auto& [day, money] : daily_fixed_) days[day].fixed_cost = money;
  for (const auto& [day, money] : daily_platform_) days[day].platform_cost = money;
  std::vector<DayEconomics> out;
  for (auto& [day, e] : days) {
    e.day = day;
    out.push_back(e);
  }
  return out;
}

}  // namespace tenantsim
