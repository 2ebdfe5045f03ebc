#include "core/domain/revenue.h"

#include <algorithm>

namespace tenantsim {

Money prorated_fee(Money monthly_fee, Time from, Time to) {
  Money total;
  for (Time month = month_start(from, 0); month < to;) {
    const Time next = next_month_start(month, 0);
    const Time a = std::max(from, month), b = std::min(to, next);
    if (a < b) {
      // fee (< 2^63) times at most a month of microseconds (< 2^42) fits in 128 bits.
      const Int128 share = static_cast<Int128>(monthly_fee.pico) * (b - a).count() / (next - month).count();
      total += Money{static_cast<int64_t>(share)};
    }
    month = next;
  }
  return total;
}

Money subscription_revenue(const std::vector<TierPeriod>& periods, const std::map<std::string, Money>& fees) {
  Money total;
  for (const auto& p : periods)
    if (const auto it = fees.find(p.tier); it != fees.end()) total += prorated_fee(it->second, p.from, p.to);
  return total;
}

}  // namespace tenantsim
