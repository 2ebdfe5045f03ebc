// RunBill: what a run bills each tenant over its window [start, end), in one place: the usage the
// system metered in the window, the platform's table units and monthly active users attributed to
// it, a silo's fixed monthly resources and the fees (recurring and overage) for each stretch of each
// tier it held; per tenant, per user and per UTC day, the days adding up exactly to the totals. The
// rules are core's (core/domain/revenue.h) and the platform's prices (harness/platform_costs.h);
// reports/economics.h reads the rows this fills, for every mode alike.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/money.h"
#include "core/base/time.h"
#include "core/domain/catalogs.h"
#include "harness/platform_costs.h"
#include "reports/run_result.h"
#include "scenarios/oracle.h"

namespace tenantsim {

struct SimTenant;

class RunBill {
 public:
  // `day_costs` and `day_usage` receive the tenant-day rows of what add() bills (platform usage,
  // silo fixed cost) beside what the caller put there (the metered usage per day).
  RunBill(Time start, Time end, const TierCatalog& tiers, const PriceCatalog& prices, const PlatformAttribution& platform,
          std::vector<TenantDayCost>& day_costs, std::vector<TenantDayUsage>& day_usage);

  // Bills tenant `t`: its quantities and cost by service (`billed`: the usage metered in the window),
  // its revenue lines, its tier changes and messages by month into `row`; its revenue split over
  // its users into `user_rows` (one per user, created when missing).
  void add(const SimTenant& t, const Oracle::Metered& billed, std::map<std::string, UserRow>& user_rows, TenantRow& row);

  // Every UTC day of the run, in order: revenue, metered cost (`daily_cost`, the caller's), fixed and
  // platform cost, over every tenant billed.
  std::vector<DayEconomics> days(const std::map<std::string, Money>& daily_cost) const;

 private:
  Time start_, end_;
  const TierCatalog& tiers_;
  const PriceCatalog& prices_;
  const PlatformAttribution& platform_;
  const std::map<std::string, Money> silo_lines_;
  std::vector<TenantDayCost>& day_costs_;
  std::vector<TenantDayUsage>& day_usage_;
  // UTC day -> revenue earned, fixed cost accrued and platform cost incurred that day.
  std::map<std::string, Money> daily_revenue_, daily_fixed_, daily_platform_;
};

}  // namespace tenantsim
