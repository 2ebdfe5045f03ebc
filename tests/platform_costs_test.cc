// Platform costs from the fakes' ledgers, by hand: table traffic goes to the tenant whose id is
// the partition key or leads it before ':', monthly active users to their user's tenant, and
// prices are exact (a half read unit is half a read unit's price).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/platform_costs.h"

namespace tenantsim {
namespace {

TEST(PlatformCosts, AttributesTableTrafficAndUsersToTenants) {
  DynamoLedger d;
  d.units["tenant-sessions"]["acme"] = {3, 2};         // pooled table, key = tenant
  d.units["agent-memory"]["acme:sub-1"] = {4, 1};      // memory actor "{tenant}:{sub}"
  d.units["agent-memory"]["acme-corp:sub-9"] = {2, 2}; // a prefix sibling is another tenant
  d.units["silo-acme-corp-usage"]["acme-corp"] = {1, 5};
  d.units["tenantsim-tenants"]["offboarded-pool"] = {0, 3};
  CognitoLedger c;
  c.active_users_by_month["2024-01"]["pool"] = {{"sub-1", "2024-01-03"}, {"sub-2", "2024-01-31"}, {"sub-9", "2024-01-03"}};
  c.active_users_by_month["2024-02"]["pool"] = {{"sub-1", "2024-02-01"}};
  c.active_users_by_month["2024-02"]["silo"] = {{"sub-x", "2024-02-01"}};
  const auto a = attribute_platform_usage(d, c, {"acme", "acme-corp"},
                                          {{"sub-1", "acme"}, {"sub-2", "acme"}, {"sub-9", "acme-corp"}});
  EXPECT_EQ(a.by_tenant.at("acme").read_half_units, 7);
  EXPECT_EQ(a.by_tenant.at("acme").write_units, 3);
  EXPECT_EQ(a.by_tenant.at("acme").monthly_active_users, 3);  // sub-1 in two months, sub-2 in one
  EXPECT_EQ(a.by_tenant.at("acme-corp").read_half_units, 3);
  EXPECT_EQ(a.by_tenant.at("acme-corp").write_units, 7);
  EXPECT_EQ(a.by_tenant.at("acme-corp").monthly_active_users, 1);
  EXPECT_EQ(a.unattributed.write_units, 3);
  EXPECT_EQ(a.unattributed.monthly_active_users, 1);
}

// By UTC day: table units on the day the fake's ledger put them, a monthly active user on its first
// day of the month; each tenant's days add up to its total, and other tenants' days stay apart.
TEST(PlatformCosts, AttributesUsageToTheDayItHappened) {
  DynamoLedger d;
  d.units["t"]["acme"] = {5, 4};
  d.units_by_day["2024-01-31"]["acme"] = {2, 1};
  d.units_by_day["2024-01-31"]["acme:sub-1"] = {1, 0};
  d.units_by_day["2024-02-01"]["acme"] = {2, 3};
  d.units_by_day["2024-02-01"]["offboarded-pool"] = {9, 9};
  CognitoLedger c;
  c.active_users_by_month["2024-01"]["pool"] = {{"sub-1", "2024-01-31"}};
  c.active_users_by_month["2024-02"]["pool"] = {{"sub-1", "2024-02-01"}, {"sub-2", "2024-02-01"}};
  const auto a = attribute_platform_usage(d, c, {"acme"}, {{"sub-1", "acme"}, {"sub-2", "acme"}});
  const auto& days = a.by_tenant_day.at("acme");
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days.at("2024-01-31").read_half_units, 3);
  EXPECT_EQ(days.at("2024-01-31").write_units, 1);
  EXPECT_EQ(days.at("2024-01-31").monthly_active_users, 1);
  EXPECT_EQ(days.at("2024-02-01").write_units, 3);
  EXPECT_EQ(days.at("2024-02-01").monthly_active_users, 2);
  EXPECT_EQ(a.by_tenant.at("acme").monthly_active_users, 3);
  EXPECT_FALSE(a.by_tenant_day.count("offboarded-pool"));
}

// Each day is priced as the cost accrued by its end less the cost by its start, so the days add up
// to the tenant's total to the pico, where days priced alone would each floor their half picos away.
TEST(PlatformCosts, DaysAddUpExactlyToTheTotal) {
  auto prices = PriceCatalog::from_json(nlohmann::json::parse(R"({"name": "t", "prices": [
      {"metric": "dynamodb_read_request_unit", "usd": "0.000000000001", "per": 1},
      {"metric": "dynamodb_write_request_unit", "usd": "0.000000000003", "per": 1},
      {"metric": "cognito_monthly_active_user", "usd": "0.015", "per": 1}]})"));
  ASSERT_TRUE(prices.ok()) << prices.error().message;
  // One half read unit a day at 1 pico per unit: half a pico each day. Priced alone, each day would
  // floor to 0; by differences, the 2nd and 4th days carry the whole picos.
  std::map<std::string, PlatformUsage> days{{"d1", {1, 0, 0}}, {"d2", {1, 0, 0}}, {"d3", {1, 2, 1}}, {"d4", {1, 0, 0}}};
  const auto by_day = price_platform_usage_by_day(days, *prices);
  PlatformUsage total{4, 2, 1};
  Money sum;
  for (const auto& [day, services] : by_day)
    for (const auto& [svc, money] : services) sum += money;
  const auto whole = price_platform_usage(total, *prices);
  EXPECT_EQ(sum, whole.at("dynamodb") + whole.at("cognito"));
  EXPECT_FALSE(by_day.count("d1"));  // half a pico: nothing yet
  EXPECT_EQ(by_day.at("d2").at("dynamodb").pico, 1);
  EXPECT_EQ(by_day.at("d3").at("dynamodb").pico, 6);  // two writes at 3 pico; the half read floors away
  EXPECT_EQ(by_day.at("d3").at("cognito").pico, 15'000'000'000);
  EXPECT_EQ(by_day.at("d4").at("dynamodb").pico, 1);
}

TEST(PlatformCosts, PricesAreExactAndAbsentPricesCostNothing) {
  auto prices = PriceCatalog::from_json(nlohmann::json::parse(R"({"name": "t", "prices": [
      {"metric": "dynamodb_write_request_unit", "usd": "0.625", "per": 1000000},
      {"metric": "dynamodb_read_request_unit", "usd": "0.125", "per": 1000000, "source": "list", "as_of": "2024-11-01"},
      {"metric": "cognito_monthly_active_user", "usd": "0.015", "per": 1}]})"));
  ASSERT_TRUE(prices.ok()) << prices.error().message;
  PlatformUsage u{3, 5, 2};
  const auto cost = price_platform_usage(u, *prices);
  // 3 half reads * 125,000 / 2 = 187,500 (floored from 187,500 exactly); 5 writes * 625,000.
  EXPECT_EQ(cost.at("dynamodb").pico, 187'500 + 3'125'000);
  EXPECT_EQ(cost.at("cognito").pico, 30'000'000'000);  // 2 * $0.015
  u.read_half_units = 1;  // half of 125,000 pico is 62,500
  EXPECT_EQ(price_platform_usage(u, *prices).at("dynamodb").pico, 62'500 + 3'125'000);
  auto none = PriceCatalog::from_json(nlohmann::json::parse(R"({"name": "n", "prices": []})"));
  EXPECT_EQ(price_platform_usage(u, *none).at("dynamodb").pico, 0);
  EXPECT_FALSE(PriceCatalog::from_json(nlohmann::json::parse(
                   R"({"name": "b", "prices": [{"metric": "cognito_mau", "usd": "1", "per": 1}]})"))
                   .ok());  // a misspelt metric is refused
}

// A silo tenant's dedicated resources cost their monthly price per resource, prorated over the time
// the tenant held a silo tier; a pooled stretch costs nothing.
TEST(PlatformCosts, SiloFixedCostsProrateOverTheSiloStretchOnly) {
  auto tiers = TierCatalog::from_json(nlohmann::json::parse(R"({"tiers": {
      "advanced": {"daily_messages": 0, "monthly_messages": 0, "concurrent_sessions": 1, "session_minutes": 30,
                   "model_id": "m"},
      "premium": {"daily_messages": 0, "monthly_messages": 0, "concurrent_sessions": 1, "session_minutes": 30,
                  "model_id": "m", "deployment": "silo"}}})"));
  ASSERT_TRUE(tiers.ok()) << tiers.error().message;
  auto prices = PriceCatalog::from_json(nlohmann::json::parse(R"({"name": "t", "prices": [
      {"metric": "silo_fixed_monthly", "resource": "vector_store", "usd": "175.2", "per": 1},
      {"metric": "silo_fixed_monthly", "resource": "kms_key", "usd": "1", "per": 1}]})"));
  ASSERT_TRUE(prices.ok()) << prices.error().message;
  Time a, b, c;
  ASSERT_TRUE(parse_iso8601("2024-04-01T00:00:00Z", a));
  ASSERT_TRUE(parse_iso8601("2024-04-16T00:00:00Z", b));
  ASSERT_TRUE(parse_iso8601("2024-05-01T00:00:00Z", c));
  // Pooled for half of April, then silo: (175.2 + 1) / 2 = 88.10, each line floored on its own.
  EXPECT_EQ(silo_fixed_cost({{"advanced", a, b}, {"premium", b, c}}, *tiers, prices->silo_fixed_monthly()), *parse_usd("88.1"));
  EXPECT_EQ(silo_fixed_cost({{"advanced", a, c}}, *tiers, prices->silo_fixed_monthly()), Money{});
  EXPECT_EQ(silo_fixed_cost({{"premium", a, c}}, *tiers, prices->silo_fixed_monthly()), *parse_usd("176.2"));
}

// A fixed monthly line names its resource and is priced per tenant-month; a usage line names no resource.
TEST(PlatformCosts, FixedMonthlyLinesAreValidated) {
  auto bad = [](const char* line) {
    auto p = PriceCatalog::from_json(nlohmann::json::parse(std::string(R"({"name": "t", "prices": [)") + line + "]}"));
    return p.ok() ? std::string("accepted") : p.error().message;
  };
  EXPECT_NE(bad(R"({"metric": "silo_fixed_monthly", "usd": "1", "per": 1})").find("prices[0].resource"), std::string::npos);
  EXPECT_NE(bad(R"({"metric": "silo_fixed_monthly", "resource": "x", "usd": "1", "per": 30})").find("prices[0].per"),
            std::string::npos);
  EXPECT_NE(bad(R"({"metric": "silo_fixed_monthly", "model": "x", "usd": "1", "per": 1})").find("prices[0].model"),
            std::string::npos);
  EXPECT_NE(bad(R"({"metric": "weather_api_call", "resource": "x", "usd": "1", "per": 1})").find("prices[0].resource"),
            std::string::npos);
  EXPECT_EQ(bad(R"({"metric": "silo_fixed_monthly", "resource": "x", "usd": "1", "per": 1})"), "accepted");
}

}  // namespace
}  // namespace tenantsim
