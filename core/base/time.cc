#include "core/base/time.h"

#include <fmt/format.h>


namespace tenantsim {

using namespace std::chrono;

std::string to_iso8601(Time t) {
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<Duration> tod{t - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()), tod.hours().count(), tod.minutes().count(), tod.seconds().count(),
                     tod.subseconds().count());
}

namespace {
// The `n` ASCII digits at `pos` as a number; false when any is not a digit.
bool digits_at(const std::string& text, size_t pos, size_t n, int& out) {
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}
}  // namespace

bool parse_iso8601(const std::string& text, Time& out) {
  // Fixed positions, digits only: every usage record's time is read this way, so it is on the
  // hot path of every cost summary (sscanf was 4% of a load run), and it takes no sign, space or
  // short field that sscanf's %4d would have.
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
    return false;
  if (!digits_at(text, 0, 4, y) || !digits_at(text, 5, 2, mo) || !digits_at(text, 8, 2, d) ||
      !digits_at(text, 11, 2, h) || !digits_at(text, 14, 2, mi) || !digits_at(text, 17, 2, s))
    return false;
  const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return false;
  int64_t micros = 0;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 6) {
      micros = micros * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0) return false;
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return false;
  out = Time{sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{s} + microseconds{micros}};
  return true;
}

TimeZone TimeZone::named(std::string name, std::shared_ptr<const ZoneRules> rules) {
  TimeZone z;
  z.name_ = std::move(name);
  z.rules_ = std::move(rules);
  return z;
}

seconds TimeZone::offset_at(Time t) const { return rules_ ? rules_->offset_at(t) : seconds{minutes{offset_minutes_}}; }

Time TimeZone::first_instant_at_or_after(Time local) const {
  return rules_ ? rules_->first_instant_at_or_after(local) : local - minutes{offset_minutes_};
}

namespace {
// The local date t falls on, and the first instant of a local date.
sys_days local_day(Time t, const TimeZone& zone) { return floor<days>(t + zone.offset_at(t)); }
Time start_of(sys_days local_date, const TimeZone& zone) { return zone.first_instant_at_or_after(Time{local_date}); }
}  // namespace

std::string day_key(Time t, const TimeZone& zone) {
  const year_month_day ymd{local_day(t, zone)};
  return fmt::format("{:04d}-{:02d}-{:02d}", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
}

std::string month_key(Time t, const TimeZone& zone) {
  const year_month_day ymd{local_day(t, zone)};
  return fmt::format("{:04d}-{:02d}", int(ymd.year()), unsigned(ymd.month()));
}

Time day_start(Time t, const TimeZone& zone) { return start_of(local_day(t, zone), zone); }
Time next_day_start(Time t, const TimeZone& zone) { return start_of(local_day(t, zone) + days{1}, zone); }

Time month_start(Time t, const TimeZone& zone) {
  const year_month_day ymd{local_day(t, zone)};
  return start_of(sys_days{ymd.year() / ymd.month() / 1}, zone);
}

Time next_month_start(Time t, const TimeZone& zone) {
  const year_month_day ymd{local_day(t, zone)};
  return start_of(sys_days{year_month_day{ymd.year() / ymd.month() / 1} + months{1}}, zone);
}

}  // namespace tenantsim
