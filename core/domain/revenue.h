// What tenants pay: each tier's monthly subscription fee, prorated over the time a tenant held the
// tier. The run's money in is compared with its metered cost (the money out) to give margins.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/money.h"
#include "core/base/time.h"
#include "core/domain/catalogs.h"

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

// A tenant's revenue by line. The recurring lines (fee, seats) accrue with time; overage with use.
struct RevenueLines {
  Money subscription;  // the tiers' monthly fees, prorated
  Money seats;         // users beyond each tier's included seats, at its seat fee, prorated
  Money overage;       // messages beyond each tier's monthly allowance, at its overage price
  Money total() const { return subscription + seats + overage; }
};

// The fee and seat lines of `periods` for a tenant with `users` users under `tiers` (a tier not in
// the table pays nothing). Seats are prorated as one monthly amount (seat fee times extra users),
// floored once per month, like the fee.
RevenueLines recurring_revenue(const std::vector<TierPeriod>& periods, const TierCatalog& tiers, int64_t users);

// Accepted messages per (UTC day "YYYY-MM-DD", tier the tenant was billed under that moment).
using MessagesByDayTier = std::map<std::pair<std::string, std::string>, int64_t>;

// Overage per UTC day: in each UTC calendar month, the messages a tenant sent under a tier beyond
// that tier's included_messages are billed at its overage price on the day they were sent (each
// tier of a month has its own allowance). Days without overage are absent.
std::map<std::string, Money> overage_by_day(const MessagesByDayTier& messages, const TierCatalog& tiers);

}  // namespace tenantsim
