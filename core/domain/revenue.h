// What tenants pay: each tier's monthly subscription fee, prorated over the time a tenant held the
// tier. The run's money in is compared with its metered cost (the money out) to give margins.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/money.h"
#include "core/base/time.h"

namespace tenantsim {

// A stretch of time a tenant spent on one tier: [from, to).
struct TierPeriod {
  std::string tier;
  Time from{}, to{};
};

// `monthly_fee` prorated over [from, to): for each UTC calendar month the window touches, the fee
// times the share of that month's microseconds inside the window, floored to a whole pico-dollar
// (so a day of April is 1/30 of the fee and a day of May 1/31, as card billing prorates). A window
// covering whole months is exactly the fee per month. Empty or reversed windows are free.
Money prorated_fee(Money monthly_fee, Time from, Time to);

// The subscription revenue of a tenant's tier periods under `fees` (tier -> monthly fee); a tier
// with no fee listed pays nothing.
Money subscription_revenue(const std::vector<TierPeriod>& periods, const std::map<std::string, Money>& fees);

}  // namespace tenantsim
