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
  c.active_users_by_month["2024-01"]["pool"] = {"sub-1", "sub-2", "sub-9"};
  c.active_users_by_month["2024-02"]["pool"] = {"sub-1"};
  c.active_users_by_month["2024-02"]["silo"] = {"sub-x"};
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
