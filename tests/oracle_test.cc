// The oracle on hand-made observations: each judgement it makes, shown holding and shown failing,
// so a check that could never fail (or always fails) shows up here and not in a scenario run.
#include <gtest/gtest.h>

#include "harness/oracle.h"

namespace tenantsim {
namespace {

using nlohmann::json;

Time at(const char* iso) {
  Time t;
  EXPECT_TRUE(parse_iso8601(iso, t)) << iso;
  return t;
}

class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json tiers = {{"tiers",
                   {{"basic", {{"daily_messages", 2}, {"monthly_messages", 3}, {"concurrent_sessions", 1},
                               {"session_minutes", 30}, {"tools", json::array()}, {"message_limit_scope", "user"}}},
                    {"premium", {{"daily_messages", 100}, {"concurrent_sessions", 2}, {"session_minutes", 60},
                                 {"tools", {"get_current_weather"}}}}}}};
    json prices = {{"prices",
                    {{{"metric", "bedrock_input_tokens"}, {"model", "m"}, {"usd", "0.25"}, {"per", 1000000}},
                     {{"metric", "bedrock_output_tokens"}, {"model", "m"}, {"usd", "1.25"}, {"per", 1000000}},
                     {{"metric", "bedrock_invocation"}, {"usd", "0"}, {"per", 1}}}}};
    auto o = Oracle::from_docs(tiers, prices);
    ASSERT_TRUE(o.ok());
    oracle = std::make_unique<Oracle>(std::move(o).value());
    oracle->add_tenant("acme", "basic", 0);
    oracle->add_tenant("globex", "premium", 60);
  }
  // A chat sent and answered at `t`.
  void chat(const char* t, int status, const std::string& code = "", const std::string& text = "ok",
            const std::string& tenant = "acme", const std::string& session = "s1") {
    auto ticket = oracle->begin_chat(tenant, "u1", session, at(t));
    oracle->end_chat(ticket, at(t), status, code, "req-1", text, {}, false);
  }
  CheckResult result(const std::string& name, const Oracle::Metered& metered = {}, const Oracle::Ledgers& ledgers = {}) {
    std::map<std::string, Oracle::Metered> m;
    if (!metered.quantity.empty()) m["acme"] = metered;
    for (const auto& c : oracle->finish(m, ledgers, {}, {}, std::nullopt))
      if (c.name == name) return c;
    ADD_FAILURE() << "no check " << name;
    return {};
  }
  std::unique_ptr<Oracle> oracle;
};

TEST(OracleCalendar, DaysAndMonthsFollowTheOffset) {
  EXPECT_EQ(oracle_day(at("2024-01-31T23:30:00Z"), 60), "2024-02-01");
  EXPECT_EQ(oracle_month(at("2024-01-31T23:30:00Z"), 60), "2024-02");
  EXPECT_EQ(oracle_day(at("2024-02-01T03:00:00Z"), -300), "2024-01-31");
  EXPECT_EQ(oracle_day(at("2024-02-29T20:00:00Z"), 330), "2024-03-01");
  EXPECT_EQ(oracle_month(at("2024-12-31T23:00:00Z"), 0), "2024-12");
}

TEST_F(OracleTest, AcceptingPastTheDailyLimitFails) {
  chat("2024-01-31T10:00:00Z", 200);
  chat("2024-01-31T10:01:00Z", 200);
  EXPECT_EQ(result("limits.within_limits").failed, 0);
  chat("2024-01-31T10:02:00Z", 200);
  EXPECT_EQ(result("limits.within_limits").failed, 1);
}

TEST_F(OracleTest, RefusingUnderTheLimitFailsUnlessOthersWereInFlight) {
  chat("2024-01-31T10:00:00Z", 200);
  auto in_flight = oracle->begin_chat("acme", "u1", "s1", at("2024-01-31T10:01:00Z"));
  chat("2024-01-31T10:01:00Z", 429, "DailyLimitExceeded");  // the other one may have taken the last slot
  EXPECT_EQ(result("limits.no_refusal_under_limit").failed, 0);
  oracle->end_chat(in_flight, at("2024-01-31T10:01:01Z"), 503, "Unavailable", "req-2", "", {}, false);
  chat("2024-01-31T10:02:00Z", 429, "DailyLimitExceeded");  // the 503 may have counted too
  EXPECT_EQ(result("limits.no_refusal_under_limit").failed, 0);
  chat("2024-02-01T00:00:10Z", 429, "DailyLimitExceeded");  // a new day and a new month: room again
  EXPECT_EQ(result("limits.no_refusal_under_limit").failed, 1);
}

TEST_F(OracleTest, MonthlyLimitSpansDaysAndResetsWithTheMonth) {
  chat("2024-01-30T10:00:00Z", 200);
  chat("2024-01-30T10:01:00Z", 200);
  chat("2024-01-31T10:00:00Z", 200);
  chat("2024-01-31T10:01:00Z", 429, "MonthlyLimitExceeded");
  EXPECT_EQ(result("limits.no_refusal_under_limit").failed, 0);
  EXPECT_EQ(oracle->remaining("acme", "u1", at("2024-01-31T11:00:00Z")), 0);
  EXPECT_EQ(oracle->remaining("acme", "u1", at("2024-02-01T00:00:00Z")), 2);
}

TEST_F(OracleTest, AChatAcrossTheWindowEdgeIsNotJudged) {
  chat("2024-01-31T10:00:00Z", 200);
  chat("2024-01-31T10:01:00Z", 200);
  auto t = oracle->begin_chat("acme", "u1", "s1", at("2024-01-31T23:59:59Z"));
  oracle->end_chat(t, at("2024-02-01T00:00:01Z"), 200, "", "req-3", "ok", {}, false);
  EXPECT_EQ(result("limits.within_limits").failed, 0);
}

TEST_F(OracleTest, ForeignCanariesFailWholeOrCut) {
  chat("2024-01-31T10:00:00Z", 200, "", "You said: cnry:acme: hello | earlier: cnry:ac");
  EXPECT_EQ(result("isolation.canaries").failed, 0) << "own canary, and a cut-off prefix of it";
  chat("2024-01-31T10:01:00Z", 200, "", "You said: hi | remembered: cnry:globex: secret");
  chat("2024-01-31T10:02:00Z", 200, "", "earlier: cnry:glob");
  EXPECT_EQ(result("isolation.canaries").failed, 2);
}

TEST_F(OracleTest, ConcurrentSessionsBothWays) {
  oracle->session_opened("acme", "u1", "s1", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:00Z"), 201, "");
  oracle->session_opened("acme", "u1", "s2", at("2024-01-31T10:01:00Z"), at("2024-01-31T10:01:00Z"), 201, "");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 1);
  oracle->session_closed("acme", "u1", "s1", 200);
  oracle->session_closed("acme", "u1", "s2", 200);
  oracle->session_opened("acme", "u1", "s3", at("2024-01-31T10:02:00Z"), at("2024-01-31T10:02:00Z"), 429,
                         "ConcurrentSessionLimitExceeded");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 2);
}

TEST_F(OracleTest, AFailedOpenMayHoldASlotUntilItWouldHaveExpired) {
  // basic: one concurrent session of 30 minutes. The open at 10:00 failed with 503: the system may
  // have leased the slot and not got it back, so a refusal is allowed until 10:30 but not owed.
  oracle->session_opened("acme", "u1", "", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:00Z"), 503,
                         "InternalServerError");
  oracle->session_opened("acme", "u1", "", at("2024-01-31T10:05:00Z"), at("2024-01-31T10:05:00Z"), 429,
                         "ConcurrentSessionLimitExceeded");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 0);
  oracle->session_opened("acme", "u1", "s1", at("2024-01-31T10:06:00Z"), at("2024-01-31T10:06:00Z"), 201, "");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 0) << "a slot that was never leased is not surely held";
  oracle->session_closed("acme", "u1", "s1", 200);
  oracle->session_opened("acme", "u1", "", at("2024-01-31T10:31:05Z"), at("2024-01-31T10:31:05Z"), 429,
                         "ConcurrentSessionLimitExceeded");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 1) << "past the lease, the refusal is a leak";
}

TEST_F(OracleTest, MessagesAfterTheSessionDurationFail) {
  oracle->session_opened("acme", "u1", "s1", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:00Z"), 201, "");
  chat("2024-01-31T10:29:00Z", 200);
  EXPECT_EQ(result("limits.session_duration").failed, 0);
  chat("2024-01-31T10:31:00Z", 200);
  EXPECT_EQ(result("limits.session_duration").failed, 1);
}

TEST_F(OracleTest, AttacksMustGetTheExpectedStatus) {
  oracle->attempt("alg_none", "acme", "GET /x", 401, 401);
  EXPECT_EQ(result("isolation.adversary_refused").failed, 0);
  oracle->attempt("cross_tenant", "acme", "GET /y", 403, 404);
  EXPECT_EQ(result("isolation.adversary_refused").failed, 1);
}

TEST_F(OracleTest, ToolsOutsideTheTierFail) {
  oracle->tools_listed("acme", {});
  oracle->tool_called("acme", "get_current_weather", 403);
  oracle->tool_called("globex", "get_current_weather", 200);
  EXPECT_EQ(result("tiers.tool_gating").failed, 0);
  oracle->tools_listed("acme", {"get_current_weather"});
  oracle->tool_called("acme", "get_weather_alerts", 200);
  EXPECT_EQ(result("tiers.tool_gating").failed, 2);
}

TEST_F(OracleTest, MeteringAndCostMustEqualTheLedgers) {
  Oracle::Ledgers ledgers;
  ledgers.bedrock_by_tenant["acme"]["m"] = {2, 1000, 400};
  Oracle::Metered metered;
  metered.quantity[{"bedrock_invocation", "m"}] = 2;
  metered.quantity[{"bedrock_input_tokens", "m"}] = 1000;
  metered.quantity[{"bedrock_output_tokens", "m"}] = 400;
  metered.cost_by_service["bedrock_agent"] = Money{1000 * 250'000 + 400 * 1'250'000};
  EXPECT_EQ(result("metering.complete", metered, ledgers).failed, 0);
  EXPECT_EQ(result("cost.attribution", metered, ledgers).failed, 0);

  Oracle::Metered missing = metered;
  missing.quantity.erase({"bedrock_output_tokens", "m"});
  missing.cost_by_service["bedrock_agent"] = Money{1000 * 250'000};
  EXPECT_GT(result("metering.complete", missing, ledgers).failed, 0);
  EXPECT_GT(result("cost.attribution", missing, ledgers).failed, 0);
}

TEST_F(OracleTest, UsageWithoutAKnownTenantFails) {
  Oracle::Ledgers ledgers;
  ledgers.bedrock_by_tenant[""]["m"] = {1, 10, 10};
  EXPECT_EQ(result("cost.attribution", {}, ledgers).failed, 1);
}

}  // namespace
}  // namespace tenantsim
