// Time as the system sees it: microseconds since the Unix epoch, UTC. Read only through Clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tenantsim {

using Duration = std::chrono::microseconds;
using Time = std::chrono::sys_time<Duration>;

inline Time from_unix_seconds(int64_t s) { return Time{std::chrono::seconds{s}}; }
inline int64_t to_unix_seconds(Time t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// "2024-01-01T00:00:00.000000Z": fixed width, so lexicographic order is time order
// (usage sort keys rely on that).
std::string to_iso8601(Time t);
// Parses the form to_iso8601 writes, with or without fractional seconds. Returns false on any other text.
bool parse_iso8601(const std::string& text, Time& out);

// Calendar windows in a fixed UTC offset (minutes east of UTC).
// "2024-01-31" and "2024-01" for the day and month that t falls in at that offset.
std::string day_key(Time t, int utc_offset_minutes);
std::string month_key(Time t, int utc_offset_minutes);
// The first instant of the next day / month at that offset, as UTC.
Time next_day_start(Time t, int utc_offset_minutes);
// The first instant of t's month at that offset, as UTC.
Time month_start(Time t, int utc_offset_minutes);
Time next_month_start(Time t, int utc_offset_minutes);

}  // namespace tenantsim
