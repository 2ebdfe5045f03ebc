// Calendars in IANA time zones across daylight-saving changes in both directions, against instants
// worked out by hand (and with Python's zoneinfo): core's calendar (core/base/time.h) over the tz
// database (scenarios/iana_zones.h), and the oracle's own reading of the tz library, which must agree
// with it at every hour of a year.
#include <gtest/gtest.h>

#include "core/base/time.h"
#include "scenarios/iana_zones.h"
#include "tests/test_time.h"

namespace tenantsim {
namespace {

using testing::at;

TimeZone zone(const char* name) {
  auto rules = iana_zones().find(name);
  EXPECT_NE(rules, nullptr) << name;
  return TimeZone::named(name, rules);
}

TEST(TimeZones, UnknownNamesAreRefused) {
  EXPECT_EQ(iana_zones().find("Mars/Olympus_Mons"), nullptr);
  EXPECT_EQ(iana_zones().find(""), nullptr);
  EXPECT_EQ(iana_zones().find("../../etc/passwd"), nullptr);
  EXPECT_EQ(iana_local_day("Mars/Olympus_Mons", at("2024-01-01T00:00:00Z")), "");
}

// New York springs forward on 2024-03-10 (02:00 EST -> 03:00 EDT): that local day has 23 hours.
TEST(TimeZones, SpringForwardMakesA23HourDay) {
  const TimeZone ny = zone("America/New_York");
  EXPECT_EQ(day_key(at("2024-03-10T04:59:59Z"), ny), "2024-03-09");
  EXPECT_EQ(day_key(at("2024-03-10T05:00:00Z"), ny), "2024-03-10");
  EXPECT_EQ(next_day_start(at("2024-03-09T12:00:00Z"), ny), at("2024-03-10T05:00:00Z"));
  EXPECT_EQ(next_day_start(at("2024-03-10T12:00:00Z"), ny), at("2024-03-11T04:00:00Z"));
  EXPECT_EQ(next_day_start(at("2024-03-10T05:00:00Z"), ny) - at("2024-03-10T05:00:00Z"), std::chrono::hours(23));
  EXPECT_EQ(month_start(at("2024-04-15T00:00:00Z"), ny), at("2024-04-01T04:00:00Z"));  // EDT
}

// New York falls back on 2024-11-03 (02:00 EDT -> 01:00 EST): that local day has 25 hours.
TEST(TimeZones, FallBackMakesA25HourDay) {
  const TimeZone ny = zone("America/New_York");
  EXPECT_EQ(next_day_start(at("2024-11-02T12:00:00Z"), ny), at("2024-11-03T04:00:00Z"));
  EXPECT_EQ(next_day_start(at("2024-11-03T04:00:00Z"), ny), at("2024-11-04T05:00:00Z"));
  EXPECT_EQ(day_key(at("2024-11-04T04:59:59Z"), ny), "2024-11-03");
  EXPECT_EQ(next_month_start(at("2024-11-15T00:00:00Z"), ny), at("2024-12-01T05:00:00Z"));  // EST
  EXPECT_EQ(month_key(at("2024-12-01T04:59:59Z"), ny), "2024-11");
}

// Where the change happens at midnight, the local day starts at 01:00 (Santiago, spring forward
// 2024-09-08 00:00 -> 01:00) or its midnight happens twice and the day starts at the first
// (Havana, fall back 2024-11-03 01:00 -> 00:00).
TEST(TimeZones, MidnightInAGapOrAnOverlap) {
  const TimeZone santiago = zone("America/Santiago");
  EXPECT_EQ(next_day_start(at("2024-09-07T12:00:00Z"), santiago), at("2024-09-08T04:00:00Z"));
  EXPECT_EQ(next_day_start(at("2024-09-08T12:00:00Z"), santiago), at("2024-09-09T03:00:00Z"));
  const TimeZone havana = zone("America/Havana");
  EXPECT_EQ(next_day_start(at("2024-11-02T12:00:00Z"), havana), at("2024-11-03T04:00:00Z"));
  EXPECT_EQ(next_day_start(at("2024-11-03T12:00:00Z"), havana), at("2024-11-04T05:00:00Z"));
}

// The southern hemisphere changes the other way round: Sydney falls back on 2024-04-07 and springs
// forward on 2024-10-06.
TEST(TimeZones, SouthernHemisphere) {
  const TimeZone sydney = zone("Australia/Sydney");
  EXPECT_EQ(next_day_start(at("2024-04-06T12:00:00Z"), sydney), at("2024-04-06T13:00:00Z"));  // 00:00 AEDT
  EXPECT_EQ(next_day_start(at("2024-04-07T12:00:00Z"), sydney), at("2024-04-07T14:00:00Z"));  // 00:00 AEST
  EXPECT_EQ(next_day_start(at("2024-04-06T13:00:00Z"), sydney) - at("2024-04-06T13:00:00Z"), std::chrono::hours(25));
  EXPECT_EQ(next_day_start(at("2024-10-05T14:00:00Z"), sydney) - at("2024-10-05T14:00:00Z"), std::chrono::hours(23));
  // No daylight saving at all: the fixed offset's answers.
  const TimeZone kolkata = zone("Asia/Kolkata");
  EXPECT_EQ(next_day_start(at("2024-03-10T00:00:00Z"), kolkata), next_day_start(at("2024-03-10T00:00:00Z"), 330));
}

// A fixed offset behaves as before named zones existed.
TEST(TimeZones, FixedOffsetsAreUnchanged) {
  EXPECT_EQ(next_day_start(at("2024-01-31T23:30:00Z"), TimeZone::fixed(60)), at("2024-02-01T23:00:00Z"));
  EXPECT_EQ(TimeZone::fixed(-300).first_instant_at_or_after(at("2024-01-01T00:00:00Z")), at("2024-01-01T05:00:00Z"));
  EXPECT_EQ(TimeZone{}.offset_at(at("2024-07-01T00:00:00Z")), std::chrono::seconds(0));
}

// The oracle reads the tz library its own way (zoned time, choose::earliest); core goes through
// its ZoneRules port. They agree on every hour and half hour of 2024 in zones of every kind.
TEST(TimeZones, CoreAndTheOraclesReadingAgreeAllYear) {
  for (const char* name : {"America/New_York", "Europe/London", "Australia/Sydney", "America/Santiago",
                           "America/Havana", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"}) {
    const TimeZone z = zone(name);
    for (Time t = at("2024-01-01T00:00:00Z"); t < at("2025-01-01T00:00:00Z"); t += std::chrono::minutes(30)) {
      ASSERT_EQ(day_key(t, z), iana_local_day(name, t)) << name << " " << to_iso8601(t);
      ASSERT_EQ(month_key(t, z), iana_local_month(name, t)) << name << " " << to_iso8601(t);
      ASSERT_EQ(next_day_start(t, z), iana_window_end(name, t, true)) << name << " " << to_iso8601(t);
      ASSERT_EQ(next_month_start(t, z), iana_window_end(name, t, false)) << name << " " << to_iso8601(t);
    }
  }
}

}  // namespace
}  // namespace tenantsim
