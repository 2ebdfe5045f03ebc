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

RevenueLines recurring_revenue(const std::vector<TierPeriod>& periods, const TierCatalog& tiers, int64_t users) {
  RevenueLines out;
  for (const auto& p : periods) {
    const TierPolicy* tier = tiers.find(p.tier);
    if (!tier) continue;
    out.subscription += prorated_fee(tier->monthly_fee, p.from, p.to);
    const int64_t extra = std::max<int64_t>(0, users - tier->included_seats);
    if (extra > 0) out.seats += prorated_fee(Money::times(tier->seat_fee, extra), p.from, p.to);
  }
  return out;
}

std::map<std::string, Money> overage_by_day(const MessagesByDayTier& messages, const TierCatalog& tiers) {
  // (month, tier) -> messages so far; the map's order is (day, tier), so each month runs in day order.
  std::map<std::pair<std::string, std::string>, int64_t> used;
  std::map<std::string, Money> out;
  for (const auto& [key, count] : messages) {
    const auto& [day, tier_name] = key;
    const TierPolicy* tier = tiers.find(tier_name);
    if (!tier || tier->overage_per_message == Money{} || count <= 0) continue;
    int64_t& so_far = used[{day.substr(0, 7), tier_name}];
    const int64_t over = std::min(count, std::max<int64_t>(0, so_far + count - tier->included_messages));
    so_far += count;
    if (over > 0) out[day] += Money::times(tier->overage_per_message, over);
  }
  return out;
}

}  // namespace tenantsim
