// IANA time zones (America/New_York, Asia/Kolkata, ...) from the system's tz database
// (/usr/share/zoneinfo, Debian's tzdata), through Howard Hinnant's date/tz library: GCC 12's
// standard library has no std::chrono time-zone database yet.
#pragma once

#include <memory>
#include <string>

#include "core/base/time.h"

namespace tenantsim {

class IanaZones : public ZoneDatabase {
 public:
  // nullptr for a name the database does not have (or not an IANA name at all).
  std::shared_ptr<const ZoneRules> find(const std::string& name) const override;
};

// The process's zone database: one per process, so a zone's rules are loaded once.
const IanaZones& iana_zones();

// The local date ("2024-03-10") and month ("2024-03") that t falls on in the named zone, computed
// straight from the tz library's zoned time, apart from core's calendar (the oracle's own reading).
// Empty for an unknown zone.
std::string iana_local_day(const std::string& zone, Time t);
std::string iana_local_month(const std::string& zone, Time t);
// The instant the local day (or month) holding t ends in the named zone: the next local midnight
// (first of the month) mapped back with the library's choose::earliest (a midnight that a
// spring-forward skips maps to the instant the gap ends). t itself for an unknown zone.
Time iana_window_end(const std::string& zone, Time t, bool daily);

}  // namespace tenantsim
