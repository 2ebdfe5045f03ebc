// Time as the system sees it: microseconds since the Unix epoch, UTC. Read only through Clock.
// Calendars (days, months) are a tenant's: in its time zone, a fixed offset or an IANA zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
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

// ---- calendars in a tenant's time zone ------------------------------------------------------------

// A fixed offset a tenant may choose: within +-14 hours of UTC (the widest in use is UTC+14).
inline bool valid_utc_offset_minutes(int64_t minutes) { return minutes >= -14 * 60 && minutes <= 14 * 60; }

// The rules of a named time zone (IANA, with daylight saving). Core reads no files: the harness
// implements this over the system's tz database (scenarios/iana_zones.h).
class ZoneRules {
 public:
  virtual ~ZoneRules() = default;
  // The offset from UTC in effect at `t` (east positive).
  virtual std::chrono::seconds offset_at(Time t) const = 0;
  // The first instant at which the zone's wall clock reads `local` or later. `local` is a wall-clock
  // time written as if it were UTC. In a fall-back overlap it is the earlier of the two instants; in
  // a spring-forward gap, the instant the gap ends (the local day then starts at 01:00 or 03:00).
  virtual Time first_instant_at_or_after(Time local) const = 0;
};

// Finds zones by IANA name ("America/New_York"); nullptr for a name it does not know.
class ZoneDatabase {
 public:
  virtual ~ZoneDatabase() = default;
  virtual std::shared_ptr<const ZoneRules> find(const std::string& name) const = 0;
};

// A tenant's time zone: a fixed offset from UTC, or a named zone whose offset follows its rules.
// Cheap to copy. The default is UTC.
class TimeZone {
 public:
  TimeZone() = default;
  static TimeZone fixed(int offset_minutes) { return TimeZone(offset_minutes); }
  static TimeZone named(std::string name, std::shared_ptr<const ZoneRules> rules);

  bool is_named() const { return rules_ != nullptr; }
  const std::string& name() const { return name_; }  // "" for a fixed offset
  int fixed_offset_minutes() const { return offset_minutes_; }  // 0 for a named zone
  std::chrono::seconds offset_at(Time t) const;
  Time first_instant_at_or_after(Time local) const;

 private:
  explicit TimeZone(int offset_minutes) : offset_minutes_(offset_minutes) {}
  int offset_minutes_ = 0;
  std::string name_;
  std::shared_ptr<const ZoneRules> rules_;
};

// Calendar windows in a time zone: "2024-01-31" and "2024-01" for the local day and month that t
// falls in, and their edges as UTC instants. A local day is 23 or 25 hours long across a daylight-
// saving change; its start is the first instant its date shows on the zone's clock.
std::string day_key(Time t, const TimeZone& zone);
std::string month_key(Time t, const TimeZone& zone);
Time day_start(Time t, const TimeZone& zone);  // the start of t's local day
Time next_day_start(Time t, const TimeZone& zone);
Time month_start(Time t, const TimeZone& zone);
Time next_month_start(Time t, const TimeZone& zone);

// The same in a fixed offset (minutes east of UTC).
inline std::string day_key(Time t, int utc_offset_minutes) { return day_key(t, TimeZone::fixed(utc_offset_minutes)); }
inline std::string month_key(Time t, int utc_offset_minutes) { return month_key(t, TimeZone::fixed(utc_offset_minutes)); }
inline Time next_day_start(Time t, int utc_offset_minutes) { return next_day_start(t, TimeZone::fixed(utc_offset_minutes)); }
inline Time month_start(Time t, int utc_offset_minutes) { return month_start(t, TimeZone::fixed(utc_offset_minutes)); }
inline Time next_month_start(Time t, int utc_offset_minutes) {
  return next_month_start(t, TimeZone::fixed(utc_offset_minutes));
}

}  // namespace tenantsim
