#include "harness/platform_costs.h"

namespace tenantsim {

PlatformAttribution attribute_platform_usage(const DynamoLedger& dynamodb, const CognitoLedger& cognito,
                                             const std::set<std::string>& tenants,
                                             const std::map<std::string, std::string>& tenant_of_sub,
                                             const std::optional<BillingDays>& days) {
  PlatformAttribution out;
  // A partition key's tenant: the key, or its part before ':' (memory actors "{tenant}:{sub}").
  auto owner_of = [](const std::string& key) { return key.substr(0, key.find(':')); };
  if (!days) {
    for (const auto& [table, partitions] : dynamodb.units)
      for (const auto& [key, units] : partitions) {
        const std::string owner = owner_of(key);
        (tenants.count(owner) ? out.by_tenant[owner] : out.unattributed) += units;
      }
  }
  for (const auto& [day, partitions] : dynamodb.units_by_day) {
    if (days && !days->contains(day)) continue;
    for (const auto& [key, units] : partitions) {
      const std::string owner = owner_of(key);
      if (tenants.count(owner)) out.by_tenant_day[owner][day] += units;
      if (days) (tenants.count(owner) ? out.by_tenant[owner] : out.unattributed) += units;
    }
  }
  for (const auto& [month, pools] : cognito.active_users_by_month)
    for (const auto& [pool, subs] : pools)
      for (const auto& [sub, first_day] : subs) {
        if (days && !days->contains(first_day)) continue;
        const auto it = tenant_of_sub.find(sub);
        if (it == tenant_of_sub.end()) {
          ++out.unattributed.monthly_active_users;
          continue;
        }
        ++out.by_tenant[it->second].monthly_active_users;
        ++out.by_tenant_day[it->second][first_day].monthly_active_users;
      }
  return out;
}

std::map<std::string, Money> price_platform_usage(const PlatformUsage& usage, const PriceCatalog& prices) {
  const Money read = prices.unit_price(metric::kDynamoReadUnit, "").value_or(Money{});
  const Money write = prices.unit_price(metric::kDynamoWriteUnit, "").value_or(Money{});
  const Money mau = prices.unit_price(metric::kCognitoMau, "").value_or(Money{});
  const Int128 half_reads = static_cast<Int128>(read.pico) * usage.read_half_units / 2;
  return {{"dynamodb", Money{static_cast<int64_t>(half_reads)} + Money::times(write, usage.write_units)},
          {"cognito", Money::times(mau, usage.monthly_active_users)}};
}

std::map<std::string, std::map<std::string, Money>> price_platform_usage_by_day(
    const std::map<std::string, PlatformUsage>& days, const PriceCatalog& prices) {
  std::map<std::string, std::map<std::string, Money>> out;
  PlatformUsage upto;
  std::map<std::string, Money> before = price_platform_usage(upto, prices);
  for (const auto& [day, usage] : days) {
    upto += usage;
    std::map<std::string, Money> now = price_platform_usage(upto, prices);
    for (const auto& [service, money] : now)
      if (const Money day_cost = money - before[service]; day_cost != Money{}) out[day][service] = day_cost;
    before = std::move(now);
  }
  return out;
}

Money silo_fixed_cost(const std::vector<TierPeriod>& periods, const TierCatalog& tiers,
                      const std::map<std::string, Money>& lines) {
  Money total;
  for (const auto& p : periods)
    if (const TierPolicy* tier = tiers.find(p.tier); tier && tier->deployment == Deployment::kSilo)
      for (const auto& [resource, monthly] : lines) total += prorated_fee(monthly, p.from, p.to);
  return total;
}

}  // namespace tenantsim
