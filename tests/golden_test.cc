// Core's money and calendar helpers against values worked out by hand. The oracle computes its
// calendar windows with std::chrono on its own, but prices with core's Money and parse_usd: a bug
// there would be in both the system and its judge, so these golden values are the independent
// evidence (issue: "a bug there is invisible").
#include <gtest/gtest.h>

#include "core/base/money.h"
#include "core/base/time.h"
#include "core/domain/revenue.h"
#include "tests/test_time.h"

namespace tenantsim {
namespace {

using testing::at;

TEST(GoldenMoney, ParsesDecimalsExactly) {
  EXPECT_EQ(parse_usd("0.25")->pico, 250'000'000'000);
  EXPECT_EQ(parse_usd("1.25")->pico, 1'250'000'000'000);
  EXPECT_EQ(parse_usd("3")->pico, 3'000'000'000'000);
  EXPECT_EQ(parse_usd("0.000000000001")->pico, 1);  // one pico-dollar, the smallest amount
  EXPECT_EQ(parse_usd("0.00025")->pico, 250'000'000);  // $0.25 per 1K tokens, per token
  EXPECT_EQ(parse_usd(".5")->pico, 500'000'000'000);
  EXPECT_EQ(parse_usd("9223372.036854775807")->pico, INT64_MAX);  // the largest amount
  for (const char* bad : {"", ".", "-1", "1e-3", "0.0000000000001", "1,5", " 1", "9223372.036854775808", "0x10"})
    EXPECT_FALSE(parse_usd(bad).has_value()) << bad;
}

TEST(GoldenMoney, PricesPerTokenAndTheirProductsAreExact) {
  // Claude 3 Haiku, published on-demand: $0.25 / 1M input tokens = 250,000 pico per token,
  // $1.25 / 1M output tokens = 1,250,000 pico per token.
  const Money in{parse_usd("0.25")->pico / 1'000'000}, out{parse_usd("1.25")->pico / 1'000'000};
  EXPECT_EQ(in.pico, 250'000);
  EXPECT_EQ(out.pico, 1'250'000);
  // 1,234 in + 567 out = 308,500,000 + 708,750,000 = 1,017,250,000 pico = $0.00101725.
  const Money cost = Money::times(in, 1'234) + Money::times(out, 567);
  EXPECT_EQ(cost.pico, 1'017'250'000);
  EXPECT_EQ(cost.to_usd_string(), "0.00101725");
  EXPECT_EQ(Money{0}.to_usd_string(), "0.00");
  EXPECT_EQ(Money{-1}.to_usd_string(), "-0.000000000001");
  EXPECT_EQ(Money{12'340'000'000'000}.to_usd_string(), "12.34");
  // Ten million tokens of the output price: $12.50 exactly, no drift from repeated addition.
  Money sum;
  for (int i = 0; i < 10'000; ++i) sum += Money::times(out, 1'000);
  EXPECT_EQ(sum.to_usd_string(), "12.50");
}

// Subscription fees prorated by calendar month, worked out by hand.
TEST(GoldenRevenue, FeesProrateByTheShareOfEachCalendarMonth) {
  const Money fee = *parse_usd("29");
  // A whole month is the fee, whatever its length.
  EXPECT_EQ(prorated_fee(fee, at("2024-04-01T00:00:00Z"), at("2024-05-01T00:00:00Z")), fee);
  EXPECT_EQ(prorated_fee(fee, at("2024-02-01T00:00:00Z"), at("2024-03-01T00:00:00Z")), fee);  // 29 days (leap year)
  // Half of April's 30 days: 14.50.
  EXPECT_EQ(prorated_fee(fee, at("2024-04-01T00:00:00Z"), at("2024-04-16T00:00:00Z")).pico, 14'500'000'000'000);
  // A day across a month edge: 12 h of January's 744 h and 12 h of February 2024's 696 h.
  //   29e12 * 12 / 744 = 467,741,935,483.87 -> 467,741,935,483;  29e12 * 12 / 696 = 500,000,000,000.
  EXPECT_EQ(prorated_fee(fee, at("2024-01-31T12:00:00Z"), at("2024-02-01T12:00:00Z")).pico, 967'741'935'483);
  // Two whole months and a day of May: 58 + 29/31 = 58.935483870967 (floored).
  EXPECT_EQ(prorated_fee(fee, at("2024-03-01T00:00:00Z"), at("2024-05-02T00:00:00Z")).pico, 58'935'483'870'967);
  // Nothing for an empty or reversed window.
  EXPECT_EQ(prorated_fee(fee, at("2024-04-10T00:00:00Z"), at("2024-04-10T00:00:00Z")).pico, 0);
  EXPECT_EQ(prorated_fee(fee, at("2024-04-10T00:00:00Z"), at("2024-04-01T00:00:00Z")).pico, 0);
  // Periods under two tiers; a tier without a fee pays nothing.
  const std::map<std::string, Money> fees{{"advanced", fee}, {"premium", *parse_usd("99")}};
  const std::vector<TierPeriod> periods{{"advanced", at("2024-04-01T00:00:00Z"), at("2024-04-11T00:00:00Z")},
                                        {"premium", at("2024-04-11T00:00:00Z"), at("2024-05-01T00:00:00Z")},
                                        {"enterprise", at("2024-05-01T00:00:00Z"), at("2024-06-01T00:00:00Z")}};
  // 29 * 10/30 = 9.666666666666 (floored) + 99 * 20/30 = 66.
  EXPECT_EQ(subscription_revenue(periods, fees).pico, 9'666'666'666'666 + 66'000'000'000'000);
}

TierCatalog seat_and_overage_tiers() {
  auto tiers = TierCatalog::from_json(nlohmann::json::parse(R"({"tiers": {
      "advanced": {"monthly_fee_usd": "29", "daily_messages": 0, "monthly_messages": 0, "concurrent_sessions": 1,
                   "session_minutes": 30, "model_id": "m", "included_seats": 2, "seat_fee_usd": "9",
                   "included_messages": 100, "overage_usd_per_message": "0.02"},
      "premium": {"monthly_fee_usd": "99", "daily_messages": 0, "monthly_messages": 0, "concurrent_sessions": 1,
                  "session_minutes": 30, "model_id": "m", "deployment": "silo", "included_messages": 10,
                  "overage_usd_per_message": "0.5"}}})"));
  EXPECT_TRUE(tiers.ok()) << tiers.error().message;
  return *tiers;
}

// Seats beyond those included pay the seat fee, prorated like the fee (one floor per month).
TEST(GoldenRevenue, SeatsBeyondTheIncludedOnesProrateLikeTheFee) {
  const TierCatalog tiers = seat_and_overage_tiers();
  // Five users on advanced (two included) for half of April: fee 14.50, seats 3 * 9 / 2 = 13.50.
  const std::vector<TierPeriod> half{{"advanced", at("2024-04-01T00:00:00Z"), at("2024-04-16T00:00:00Z")}};
  RevenueLines lines = recurring_revenue(half, tiers, 5);
  EXPECT_EQ(lines.subscription.pico, 14'500'000'000'000);
  EXPECT_EQ(lines.seats.pico, 13'500'000'000'000);
  EXPECT_EQ(lines.overage.pico, 0);
  // Two users: all included.
  EXPECT_EQ(recurring_revenue(half, tiers, 2).seats.pico, 0);
  // A day across a month edge with 3 users (one extra seat, 9 USD a month): 12 h of January's 744 h
  // (9e12 * 12 / 744 = 145,161,290,322.58 -> 145,161,290,322) and 12 h of February's 696 h
  // (9e12 * 12 / 696 = 155,172,413,793.10 -> 155,172,413,793).
  const std::vector<TierPeriod> edge{{"advanced", at("2024-01-31T12:00:00Z"), at("2024-02-01T12:00:00Z")}};
  EXPECT_EQ(recurring_revenue(edge, tiers, 3).seats.pico, 145'161'290'322 + 155'172'413'793);
  // A tier with no seat fee charges no seats, whatever the users.
  const std::vector<TierPeriod> premium{{"premium", at("2024-04-01T00:00:00Z"), at("2024-05-01T00:00:00Z")}};
  EXPECT_EQ(recurring_revenue(premium, tiers, 50).seats.pico, 0);
  EXPECT_EQ(recurring_revenue(premium, tiers, 50).subscription, *parse_usd("99"));
}

// Overage: per UTC month and tier, messages past the allowance, billed on the day they were sent.
TEST(GoldenRevenue, OverageCountsEachMonthAndTierOnItsOwnAllowance) {
  const TierCatalog tiers = seat_and_overage_tiers();
  const MessagesByDayTier messages{
      {{"2024-04-10", "advanced"}, 60},  // 60 of 100
      {{"2024-04-20", "advanced"}, 50},  // 110: 10 over, 0.20 USD that day
      {{"2024-04-21", "advanced"}, 5},   // 5 over: 0.10
      {{"2024-04-21", "premium"}, 12},   // premium's own allowance of 10: 2 over at 0.50 = 1.00
      {{"2024-05-01", "advanced"}, 100},  // a new month: within the allowance again
      {{"2024-05-02", "advanced"}, 1},    // 1 over: 0.02
      {{"2024-05-03", "basic"}, 900},     // a tier without overage (and unknown here): free
  };
  const auto by_day = overage_by_day(messages, tiers);
  const std::map<std::string, Money> want{{"2024-04-20", *parse_usd("0.2")},
                                          {"2024-04-21", *parse_usd("1.1")},
                                          {"2024-05-02", *parse_usd("0.02")}};
  EXPECT_EQ(by_day, want);
}

TEST(GoldenCalendar, DaysAndMonthsAtFixedOffsets) {
  // 2024-01-31T23:30Z is already Feb 1 in UTC+1, and still Jan 31 in UTC-5.
  EXPECT_EQ(day_key(at("2024-01-31T23:30:00Z"), 60), "2024-02-01");
  EXPECT_EQ(month_key(at("2024-01-31T23:30:00Z"), 60), "2024-02");
  EXPECT_EQ(day_key(at("2024-02-01T03:00:00Z"), -300), "2024-01-31");
  EXPECT_EQ(month_key(at("2024-02-01T03:00:00Z"), -300), "2024-01");
  // Leap day, India (UTC+5:30) and Japan (UTC+9).
  EXPECT_EQ(day_key(at("2024-02-28T18:30:00Z"), 330), "2024-02-29");
  EXPECT_EQ(day_key(at("2024-02-29T15:00:00Z"), 540), "2024-03-01");
  EXPECT_EQ(day_key(at("2023-02-28T15:00:00Z"), 540), "2023-03-01");  // no Feb 29 in 2023
  // Year end.
  EXPECT_EQ(month_key(at("2024-12-31T23:00:00Z"), 60), "2025-01");
}

TEST(GoldenCalendar, WindowEdgesAreLocalMidnightAsUtc) {
  // UTC+1: the local day ends at 23:00 UTC; UTC-5 at 05:00 UTC the next day.
  EXPECT_EQ(to_iso8601(next_day_start(at("2024-01-31T10:00:00Z"), 60)), "2024-01-31T23:00:00.000000Z");
  EXPECT_EQ(to_iso8601(next_day_start(at("2024-01-31T10:00:00Z"), -300)), "2024-02-01T05:00:00.000000Z");
  EXPECT_EQ(to_iso8601(next_day_start(at("2024-01-31T23:00:00Z"), 60)), "2024-02-01T23:00:00.000000Z")
      << "exactly at the edge, the next edge is a day later";
  // Months: local Feb 1 00:00 in UTC+5:30 is Jan 31 18:30 UTC; leap February has 29 days.
  EXPECT_EQ(to_iso8601(next_month_start(at("2024-01-15T00:00:00Z"), 330)), "2024-01-31T18:30:00.000000Z");
  EXPECT_EQ(to_iso8601(next_month_start(at("2024-02-10T00:00:00Z"), 0)), "2024-03-01T00:00:00.000000Z");
  EXPECT_EQ(to_iso8601(next_month_start(at("2024-12-31T12:00:00Z"), -300)), "2025-01-01T05:00:00.000000Z");
  EXPECT_EQ(to_iso8601(next_month_start(at("2024-12-31T23:30:00Z"), 60)), "2025-01-31T23:00:00.000000Z")
      << "already January locally: the window ends with January";
}

TEST(GoldenCalendar, IsoRoundTripAndRejects) {
  EXPECT_EQ(to_unix_seconds(at("2024-01-01T00:00:00Z")), 1'704'067'200);
  EXPECT_EQ(to_iso8601(at("2024-02-29T12:34:56.789012Z")), "2024-02-29T12:34:56.789012Z");
  Time t;
  for (const char* bad : {"2024-02-30T00:00:00Z", "2024-01-01 00:00:00Z", "2024-01-01T00:00:00", "yesterday", "",
                          "+024-01-01T00:00:00Z", " 2024-01-01T00:00:00Z", "2024-1-01T00:00:00Z", "2024-01-01T0:00:000Z",
                          "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00ZZ"})
    EXPECT_FALSE(parse_iso8601(bad, t)) << bad;
  ASSERT_TRUE(parse_iso8601("2024-01-01T00:00:00.5Z", t));
  EXPECT_EQ(to_iso8601(t), "2024-01-01T00:00:00.500000Z");
}

}  // namespace
}  // namespace tenantsim
