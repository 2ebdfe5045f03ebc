// The oracle on hand-made observations: each judgement it makes, shown holding and shown failing,
// so a check that could never fail (or always fails) shows up here and not in a scenario run.
#include <gtest/gtest.h>

#include <utility>

#include "scenarios/oracle.h"
#include "tests/test_time.h"

namespace tenantsim {
namespace {

using nlohmann::json;

using testing::at;

class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json tiers = {{"tiers",
                   {{"basic", {{"daily_messages", 2}, {"monthly_messages", 3}, {"concurrent_sessions", 1},
                               {"session_minutes", 30}, {"tools", json::array()}, {"message_limit_scope", "user"}}},
                    {"premium", {{"daily_messages", 100}, {"concurrent_sessions", 2}, {"session_minutes", 60},
                                 {"tools", {"get_current_weather"}}, {"cost_reports", true}}}}}};
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
    oracle->end_chat(ticket, at(t), status, code, "req-1", text, {}, {}, false);
  }
  CheckResult result(const std::string& name, const Oracle::Metered& metered = {}, const Oracle::Ledgers& ledgers = {}) {
    std::map<std::string, Oracle::Metered> m;
    if (!metered.quantity.empty()) m["acme"] = metered;
    for (const auto& c : oracle->finish(m, ledgers, {}, std::nullopt))
      if (c.name == name) return c;
    ADD_FAILURE() << "no check " << name;
    return {};
  }
  // What GET /api/tenants/{t}/subscription answers: a tier, its limits and the counts.
  static json subscription(const std::string& tier, int64_t daily_limit, int64_t monthly_limit, int64_t daily,
                           int64_t monthly) {
    return json{{"subscription_tier", tier},
                {"limits", {{"daily_messages", daily_limit}, {"monthly_messages", monthly_limit}}},
                {"current_usage", {{"daily_messages", daily}, {"monthly_messages", monthly}}}};
  }
  static json basic(int64_t daily, int64_t monthly) { return subscription("basic", 2, 3, daily, monthly); }
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
  oracle->end_chat(in_flight, at("2024-01-31T10:01:01Z"), 503, "Unavailable", "req-2", "", {}, {}, false);
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

TEST_F(OracleTest, RetryAfterIsTheResetOfTheLastFullWindowInTheTenantsZone) {
  const auto refused = [&](const char* t, const char* code, std::optional<int64_t> retry_after,
                           const std::string& tenant = "acme") {
    auto ticket = oracle->begin_chat(tenant, "u1", "s1", at(t));
    oracle->end_chat(ticket, at(t), 429, code, "req-9", "", {}, {}, false);
    oracle->limit_retry_after(ticket, at(t), retry_after);
  };
  // basic: 2 a day, 3 a month. Daily full on Jan 14 at 10:00 UTC (offset 0): 14 h to midnight.
  chat("2024-01-14T09:00:00Z", 200);
  chat("2024-01-14T09:01:00Z", 200);
  refused("2024-01-14T10:00:00Z", "DailyLimitExceeded", 14 * 3600);
  EXPECT_EQ(result("limits.retry_after").failed, 0);
  refused("2024-01-14T10:00:00Z", "DailyLimitExceeded", 13 * 3600);  // an hour short: UTC+1's midnight
  EXPECT_EQ(result("limits.retry_after").failed, 1);
  refused("2024-01-14T10:00:00Z", "DailyLimitExceeded", std::nullopt);
  EXPECT_EQ(result("limits.retry_after").failed, 2) << "a limit refusal must say when to come back";
  // Jan 15: one more fills the month (3) but not the day; then a second fills the day as well. While
  // the month is full, only the month's reset (Feb 1) is a time the message could pass.
  chat("2024-01-15T09:00:00Z", 200);
  refused("2024-01-15T10:00:00Z", "MonthlyLimitExceeded", 14 * 3600);
  EXPECT_EQ(result("limits.retry_after").failed, 3) << "the day's reset does not help a full month";
  refused("2024-01-15T10:00:00Z", "MonthlyLimitExceeded", (17 * 24 - 10) * 3600);
  EXPECT_EQ(result("limits.retry_after").failed, 3);
  // globex is premium at UTC+1: its day ends at 23:00 UTC.
  for (int i = 0; i < 100; ++i) chat("2024-01-14T09:00:00Z", 200, "", "ok", "globex");
  refused("2024-01-14T10:00:00Z", "DailyLimitExceeded", 13 * 3600, "globex");
  EXPECT_EQ(result("limits.retry_after").failed, 3);
}

TEST_F(OracleTest, ASessionLastsItsWholeDurationNeitherLessNorMore) {
  // basic: 30 minutes.
  oracle->session_opened("acme", "u1", "s1", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:01Z"), 201, "");
  chat("2024-01-31T10:10:00Z", 409, "SessionExpired");
  EXPECT_EQ(result("limits.session_duration").failed, 1) << "refused as expired after 10 of 30 minutes";
  chat("2024-01-31T10:30:05Z", 409, "SessionExpired");
  EXPECT_EQ(result("limits.session_duration").failed, 1);
  chat("2024-01-31T10:30:05Z", 200);
  EXPECT_EQ(result("limits.session_duration").failed, 2) << "accepted after 30 minutes";
}

TEST_F(OracleTest, CostReportsExactlyForTiersThatIncludeThem) {
  oracle->cost_report_requested("acme", "overall-cost", 403);     // basic: none
  oracle->cost_report_requested("globex", "overall-cost", 200);   // premium: included
  EXPECT_EQ(result("tiers.feature_gating").failed, 0);
  EXPECT_EQ(result("tiers.feature_gating").checked, 2);
  oracle->cost_report_requested("acme", "per-user-cost", 200);
  oracle->cost_report_requested("globex", "per-user-cost", 403);
  EXPECT_EQ(result("tiers.feature_gating").failed, 2);
}

TEST(OracleAccounts, SiloModelCallsMustRunOnTheTenantsOwnAccount) {
  // "silo" tenants must be billed on their own account; the pool's account serves only pooled ones.
  json tiers = {{"tiers", {{"pooled", {{"deployment", "pool"}}}, {"silo", {{"deployment", "silo"}}}}}};
  json prices = {{"prices", {{{"metric", "bedrock_invocation"}, {"usd", "0"}, {"per", 1}}}}};
  auto o = Oracle::from_docs(tiers, prices);
  ASSERT_TRUE(o.ok());
  o->add_tenant("acme", "pooled", 0);
  o->add_tenant("globex", "silo", 0);
  const auto failures = [&](const Oracle::Ledgers& l) {
    std::map<std::string, Oracle::Metered> metered;
    metered["acme"].quantity[{"bedrock_invocation", "m"}] = 1;
    metered["acme"].quantity[{"bedrock_input_tokens", "m"}] = 10;
    metered["acme"].quantity[{"bedrock_output_tokens", "m"}] = 5;
    metered["globex"].quantity[{"bedrock_invocation", "m"}] = 2;
    metered["globex"].quantity[{"bedrock_input_tokens", "m"}] = 100;
    metered["globex"].quantity[{"bedrock_output_tokens", "m"}] = 50;
    std::vector<std::string> out;
    for (const auto& c : Oracle(*o).finish(metered, l, {}, std::nullopt))
      if (c.name == "cost.attribution" || c.name == "metering.complete") {
        if (c.failed > 0) out.push_back(c.name + " " + std::to_string(c.failed) + ": " + c.examples.front());
      }
    return out;
  };
  Oracle::Ledgers right;
  right.pooled_account = "pool";
  right.model_account_of = {{"acme", "pool"}, {"globex", "silo-globex"}};
  right.bedrock_by_tenant["acme"]["m"] = Oracle::ModelUsage{1, 10, 5};
  right.bedrock_by_tenant["globex"]["m"] = Oracle::ModelUsage{2, 100, 50};
  right.bedrock_by_account[{"pool", "m"}] = Oracle::ModelUsage{1, 10, 5};
  right.bedrock_by_account[{"silo-globex", "m"}] = Oracle::ModelUsage{2, 100, 50};
  EXPECT_TRUE(failures(right).empty()) << failures(right).front();

  Oracle::Ledgers on_pool = right;  // globex's calls ran on the pool's account
  on_pool.bedrock_by_account.erase({"silo-globex", "m"});
  on_pool.bedrock_by_account[{"pool", "m"}] = Oracle::ModelUsage{3, 110, 55};
  auto f = failures(on_pool);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("cost.attribution 6: silo tenant globex: its account silo-globex was billed 0"), std::string::npos) << f[0];

  Oracle::Ledgers no_account = right;
  no_account.model_account_of.erase("globex");
  f = failures(no_account);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("silo tenant globex has no model account of its own"), std::string::npos) << f[0];
}

TEST_F(OracleTest, AChatAcrossTheWindowEdgeIsNotJudged) {
  chat("2024-01-31T10:00:00Z", 200);
  chat("2024-01-31T10:01:00Z", 200);
  auto t = oracle->begin_chat("acme", "u1", "s1", at("2024-01-31T23:59:59Z"));
  oracle->end_chat(t, at("2024-02-01T00:00:01Z"), 200, "", "req-3", "ok", {}, {}, false);
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

// A downgrade mid-day: the new tier's daily limit applies to the day's messages so far.
TEST_F(OracleTest, AfterADowngradeTheNewTiersLimitsApply) {
  auto ticket = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T09:00:00Z"));
  oracle->end_chat(ticket, at("2024-01-31T09:00:00Z"), 200, "", "r1", "ok", {}, {}, false);
  ticket = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T09:01:00Z"));
  oracle->end_chat(ticket, at("2024-01-31T09:01:00Z"), 200, "", "r2", "ok", {}, {}, false);
  oracle->tier_changed("globex", "basic", at("2024-01-31T10:00:00Z"));  // basic: 2 a day, already used
  ticket = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T10:05:00Z"));
  oracle->end_chat(ticket, at("2024-01-31T10:05:00Z"), 200, "", "r3", "ok", {}, {}, false);
  EXPECT_EQ(result("limits.within_limits").failed, 1) << "a third message on the basic tier's day";
  // Tools and features: the new tier's.
  oracle->tools_listed("globex", {"get_current_weather"});
  EXPECT_EQ(result("tiers.tool_gating").failed, 1);
  oracle->cost_report_requested("globex", "overall-cost", 200);
  EXPECT_EQ(result("tiers.feature_gating").failed, 1);
}

TEST_F(OracleTest, ARequestInFlightAcrossATierChangeIsNotJudged) {
  auto ticket = oracle->begin_chat("acme", "u1", "s1", at("2024-01-31T09:00:00Z"));
  oracle->tier_changed("acme", "premium", at("2024-01-31T09:00:01Z"));
  oracle->end_chat(ticket, at("2024-01-31T09:00:02Z"), 429, "DailyLimitExceeded", "r1", "", {}, {}, false);
  EXPECT_EQ(result("limits.no_refusal_under_limit").checked, 0);
}

TEST_F(OracleTest, SessionsOpenedBeforeAChangeKeepTheirDurationAndMayOutnumberTheNewLimit) {
  // premium: 2 sessions of 60 minutes; then basic: 1 session of 30 minutes.
  oracle->session_opened("globex", "u1", "s1", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:00Z"), 201, "");
  oracle->session_opened("globex", "u1", "s2", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:00Z"), 201, "");
  oracle->tier_changed("globex", "basic", at("2024-01-31T10:10:00Z"));
  // A new session while both old ones run: allowed (the old ones may hold slots above the new limit)...
  oracle->session_opened("globex", "u1", "s3", at("2024-01-31T10:11:00Z"), at("2024-01-31T10:11:00Z"), 201, "");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 0);
  // ... but not a second new one: the new limit binds what opens after the change.
  oracle->session_opened("globex", "u1", "s4", at("2024-01-31T10:12:00Z"), at("2024-01-31T10:12:00Z"), 201, "");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 1);
  // s1 keeps its premium hour: a message at 10:45 is owed, at 11:01 it is a leak.
  auto ok = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T10:45:00Z"));
  oracle->end_chat(ok, at("2024-01-31T10:45:00Z"), 200, "", "r1", "ok", {}, {}, false);
  EXPECT_EQ(result("limits.session_duration").failed, 0);
  auto late = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T11:01:00Z"));
  oracle->end_chat(late, at("2024-01-31T11:01:00Z"), 200, "", "r2", "ok", {}, {}, false);
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
  oracle->tool_called("acme", "get_current_weather", 403, false);
  oracle->tool_called("globex", "get_current_weather", 200, false);
  EXPECT_EQ(result("tiers.tool_gating").failed, 0);
  oracle->tools_listed("acme", {"get_current_weather"});
  oracle->tool_called("acme", "get_weather_alerts", 200, false);
  EXPECT_EQ(result("tiers.tool_gating").failed, 2);
}

TEST_F(OracleTest, MeteringAndCostMustEqualTheLedgers) {
  Oracle::Ledgers ledgers;
  ledgers.bedrock_by_tenant["acme"]["m"] = {2, 1000, 400};
  ledgers.pooled_account = "pool";  // acme is pooled: the pool's account served it
  ledgers.bedrock_by_account[{"pool", "m"}] = {2, 1000, 400};
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

// The runtime's bill is bounded by the invocations the driver saw: at least what the answered ones
// lasted (the driver's wait less a second), at most what every one that may have run lasted.
TEST_F(OracleTest, RuntimeSecondsMustLieWithinWhatTheInvocationsLasted) {
  oracle->set_runtime_size(2, 1000);
  oracle->runtime_answered("acme", 200, "", std::chrono::milliseconds(3'400));   // 3 to 4 seconds
  oracle->runtime_answered("acme", 429, "DailyLimitExceeded", std::chrono::milliseconds(20));  // 1 (the minimum)
  oracle->runtime_answered("acme", 503, "Unavailable", std::chrono::milliseconds(2'500));      // 0 to 3
  oracle->runtime_answered("acme", 401, "Unauthorized", std::chrono::milliseconds(5'000));     // refused in front
  oracle->runtime_answered("acme", 404, "ResourceNotFoundException", std::chrono::milliseconds(5'000));
  const auto metered = [](int64_t vcpu_seconds, int64_t mb_seconds) {
    Oracle::Metered m;
    m.quantity[{"bedrock_invocation", "m"}] = 0;  // keeps acme in the metered map
    m.quantity[{"agentcore_runtime_vcpu_seconds", ""}] = vcpu_seconds;
    m.quantity[{"agentcore_runtime_memory_mb_seconds", ""}] = mb_seconds;
    return m;
  };
  int64_t failed_before = 0;  // a check's failures add up over finish() calls: count the new ones
  const auto new_failures = [&](int64_t vcpu_seconds, int64_t mb_seconds) {
    const int64_t failed = result("metering.complete", metered(vcpu_seconds, mb_seconds)).failed;
    return failed - std::exchange(failed_before, failed);
  };
  EXPECT_EQ(new_failures(4, 4'000), 0) << "the least it may be";
  EXPECT_EQ(new_failures(6, 8'000), 0) << "the most it may be";
  EXPECT_EQ(new_failures(2, 4'000), 1) << "an answered invocation's vCPUs missing";
  EXPECT_EQ(new_failures(4, 2'000), 1) << "billed at the 1-second minimum";
  EXPECT_EQ(new_failures(4, 9'000), 1) << "more than anything ran";
  EXPECT_EQ(new_failures(8, 4'000), 1) << "a refused invocation billed";
}

// Every call that reaches the gateway is billed: the agent's (used or refused) and the gateway's
// MCP endpoint's past its token check; seed 000's MCP server's are not.
TEST_F(OracleTest, GatewayCallsMustBeEveryCallThatReachedIt) {
  auto ticket = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T10:00:00Z"));
  oracle->end_chat(ticket, at("2024-01-31T10:00:01Z"), 200, "", "r1", "ok", {"get_current_weather"},
                   {"get_weather_alerts"}, true);
  oracle->tool_called("globex", "get_weather_alerts", 403, true);
  oracle->tool_called("globex", "get_current_weather", 401, true);
  oracle->tool_called("globex", "get_current_weather", 200, false);
  std::map<std::string, Oracle::Metered> m;
  Oracle::Ledgers ledgers;
  ledgers.weather_calls = 2;
  int64_t failed_before = 0;  // a check's failures add up over finish() calls: count the new ones
  const auto judged = [&](int64_t calls) {
    m["globex"].quantity[{"agentcore_gateway_invocation", ""}] = calls;
    m["globex"].quantity[{"mcp_tool_execution", ""}] = 2;
    m["globex"].quantity[{"weather_api_call", ""}] = 2;
    for (const auto& c : oracle->finish(m, ledgers, {}, std::nullopt))
      if (c.name == "metering.complete") return c.failed - std::exchange(failed_before, c.failed);
    return int64_t{-1};
  };
  EXPECT_EQ(judged(3), 0);
  EXPECT_GT(judged(2), 0) << "the refused call went unbilled";
  EXPECT_GT(judged(4), 0);
  // A chat that failed midway may have called the gateway: its count is no longer judged.
  auto failed = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T10:01:00Z"));
  oracle->end_chat(failed, at("2024-01-31T10:01:05Z"), 503, "Unavailable", "r2", "", {}, {}, true);
  EXPECT_EQ(judged(5), 0);
}

// Every model invocation's consumption event names its tenant: grouped by tenant, the events are
// what the model served each tenant; an event without a known tenant fails.
TEST_F(OracleTest, ConsumptionEventsMustCarryTheirTenant) {
  Oracle::Ledgers ledgers;
  ledgers.bedrock_by_tenant["acme"]["m"] = {2, 1000, 400};
  ledgers.bedrock_by_tenant["acme"]["n"] = {1, 10, 5};
  ledgers.consumption_by_tenant["acme"] = {3, 1010, 405};
  const CheckResult held = result("observability.tenant_context", {}, ledgers);
  EXPECT_EQ(held.failed, 0);
  EXPECT_EQ(held.checked, 2) << "acme and globex (which made no calls)";
  Oracle::Ledgers lost = ledgers;
  lost.consumption_by_tenant["acme"] = {2, 1000, 400};
  lost.consumption_by_tenant[""] = {1, 10, 5};
  EXPECT_EQ(result("observability.tenant_context", {}, lost).failed, 2) << "acme short by one, one event of nobody";
}

TEST_F(OracleTest, UsageWithoutAKnownTenantFails) {
  Oracle::Ledgers ledgers;
  ledgers.bedrock_by_tenant[""]["m"] = {1, 10, 10};
  EXPECT_EQ(result("cost.attribution", {}, ledgers).failed, 1);
}

// --- issue 29: what the verdict used to be blind to -------------------------------------------

TEST_F(OracleTest, LegitimateFailuresMustBePaidForByInjectedFaults) {
  const auto failed = [&](std::map<std::string, uint64_t> injected) {
    Oracle::Ledgers l;
    l.injected_faults = std::move(injected);
    std::map<std::string, Oracle::Metered> m;
    for (const auto& c : Oracle(*oracle).finish(m, l, {}, std::nullopt))
      if (c.name == "access.availability") return c;
    return CheckResult{};
  };
  oracle->legitimate_request("acme", "POST /api/chat", 200, "");
  oracle->legitimate_request("acme", "POST /api/chat", 503, "ServiceUnavailableException");  // Bedrock's
  oracle->legitimate_request("acme", "POST /api/chat", 503, "ThrottlingException");  // capacity, not a failure
  oracle->legitimate_request("acme", "POST /api/chat", 429, "DailyLimitExceeded");
  EXPECT_EQ(failed({{"bedrock", 1}}).failed, 0);
  EXPECT_EQ(failed({{"bedrock", 1}}).checked, 4);
  EXPECT_EQ(failed({}).failed, 1) << "no fault was injected, yet a chat failed";
  const auto c = failed({{"dynamodb", 5}});
  ASSERT_EQ(c.failed, 1) << "a Bedrock error is not paid for by DynamoDB's faults";
  EXPECT_NE(c.examples[0].find("basic tier, POST /api/chat: 1 of 4 legitimate requests answered 503 "
                               "ServiceUnavailableException, beyond the failures the scenario injected (5 dynamodb)"),
            std::string::npos)
      << c.examples[0];
  // A failure that names no service (a handler's 500, a model the account cannot call) may be any
  // fault's; a 400 to a well-formed request counts as a failure too.
  oracle->legitimate_request("globex", "GET /api/tenants/{t}/usage", 500, "InternalError");
  oracle->legitimate_request("globex", "POST /api/sessions", 400, "InvalidRequest");
  EXPECT_EQ(failed({{"bedrock", 1}, {"dynamodb", 2}}).failed, 0);
  EXPECT_EQ(failed({{"bedrock", 2}, {"dynamodb", 0}}).failed, 1) << "two unnamed failures, one spare fault";
}

TEST_F(OracleTest, AFailureKnownToPrecedeTheModelMustNotCount) {
  chat("2024-01-31T10:00:00Z", 200);
  auto failed = oracle->begin_chat("acme", "u1", "s1", at("2024-01-31T10:01:00Z"));
  failed.failed_before_the_model = true;
  oracle->end_chat(failed, at("2024-01-31T10:01:01Z"), 503, "ServiceUnavailableException", "-", "", {}, {}, false);
  oracle->usage_reported("acme", "u1", at("2024-01-31T10:01:02Z"), at("2024-01-31T10:01:02Z"), basic(1, 1));
  EXPECT_EQ(result("limits.usage_reported").failed, 0);
  oracle->usage_reported("acme", "u1", at("2024-01-31T10:01:03Z"), at("2024-01-31T10:01:03Z"), basic(2, 2));
  EXPECT_EQ(result("limits.usage_reported").failed, 1) << "the failed message was kept";
  // Not known to precede the model: it may have counted, and either answer holds.
  auto maybe = oracle->begin_chat("globex", "u1", "s1", at("2024-01-31T10:01:00Z"));
  oracle->end_chat(maybe, at("2024-01-31T10:01:01Z"), 503, "ServiceUnavailableException", "-", "", {}, {}, false);
  oracle->usage_reported("globex", "u1", at("2024-01-31T10:01:02Z"), at("2024-01-31T10:01:02Z"),
                         subscription("premium", 100, 0, 1, 0));
  EXPECT_EQ(result("limits.usage_reported").failed, 1);
}

TEST_F(OracleTest, TheSubscriptionShowsTheDirectorysTierAtOnceAfterAChange) {
  oracle->usage_reported("acme", "u1", at("2024-01-31T09:00:00Z"), at("2024-01-31T09:00:00Z"), basic(0, 0));
  EXPECT_EQ(result("limits.usage_reported").failed, 0);
  // Upgraded: asked while the change was under way, either tier holds.
  oracle->tier_changing("acme", at("2024-01-31T10:00:00Z"));
  oracle->usage_reported("acme", "u1", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:01Z"), basic(0, 0));
  oracle->tier_changed("acme", "premium", at("2024-01-31T10:00:02Z"));
  oracle->usage_reported("acme", "u1", at("2024-01-31T10:00:01Z"), at("2024-01-31T10:00:03Z"), basic(0, 0));
  EXPECT_EQ(result("limits.usage_reported").failed, 0);
  // After it, the old tier (what the user's token still claims) is wrong, and so are its limits.
  oracle->usage_reported("acme", "u1", at("2024-01-31T10:05:00Z"), at("2024-01-31T10:05:00Z"), basic(0, 0));
  oracle->usage_reported("acme", "u1", at("2024-01-31T10:06:00Z"), at("2024-01-31T10:06:00Z"),
                         subscription("premium", 2, 3, 0, 0));
  const auto c = result("limits.usage_reported");
  ASSERT_EQ(c.failed, 2);
  EXPECT_NE(c.examples[0].find("shows tier 'basic' with 2 daily and 3 monthly messages; the tenant is on premium (100 and 0)"),
            std::string::npos)
      << c.examples[0];
  oracle->usage_reported("acme", "u1", at("2024-01-31T10:07:00Z"), at("2024-01-31T10:07:00Z"),
                         subscription("premium", 100, 0, 0, 0));
  EXPECT_EQ(result("limits.usage_reported").failed, 2);
}

TEST_F(OracleTest, AToolTheTierIncludesMustRunWhenTheQuestionAsksForIt) {
  const auto ask = [&](const std::string& tenant, const std::string& tool, std::vector<std::string> used, int status = 200) {
    auto ticket = oracle->begin_chat(tenant, "u1", "s1", at("2024-01-31T10:00:00Z"));
    ticket.asks_for_tool = tool;
    oracle->end_chat(ticket, at("2024-01-31T10:00:01Z"), status, "", "req-1", "ok", used, {}, true);
  };
  ask("globex", "get_current_weather", {"get_current_weather"});
  ask("acme", "get_current_weather", {});  // basic has no weather tool: answering without it is right
  ask("globex", "get_current_weather", {}, 503);  // failed: nothing to judge
  ask("globex", "get_weather_alerts", {});  // not premium's in this test
  EXPECT_EQ(result("tiers.tool_gating").failed, 0);
  ask("globex", "get_current_weather", {});
  const auto c = result("tiers.tool_gating");
  ASSERT_EQ(c.failed, 1);
  EXPECT_NE(c.examples[0].find("asked for get_current_weather, which its tier includes, and was answered without it "
                               "(tools used: none)"),
            std::string::npos)
      << c.examples[0];
}

TEST_F(OracleTest, ATenantsOwnSearchMustFindItsOwnDocuments) {
  oracle->knowledge_base_in_use();
  oracle->knowledge_searched("acme", "search", 200, "found: " + knowledge_canary_for("acme") + " budget");
  oracle->knowledge_searched("acme", "search", 503, "");  // a fault: nothing to judge
  EXPECT_EQ(result("isolation.knowledge_base").failed, 0);
  oracle->knowledge_searched("acme", "search", 200, R"({"results":[]})");
  const auto c = result("isolation.knowledge_base");
  ASSERT_EQ(c.failed, 1) << "a filter that matches nothing isolates by serving nobody";
  EXPECT_NE(c.examples[0].find("tenant acme's search of its own documents found none of them"), std::string::npos);
}

TEST_F(OracleTest, ThePublishedJwksListsEveryKeyInUseAndNoRetiredOne) {
  oracle->jwks_published(200, {"k1", "k2"}, {"k1"}, {"k3"});
  EXPECT_EQ(result("access.legitimate_requests").failed, 0);
  EXPECT_EQ(result("isolation.adversary_refused").failed, 0);
  EXPECT_EQ(result("isolation.adversary_refused").checked, 1);
  oracle->jwks_published(200, {"k1", "k3"}, {"k1", "k2"}, {"k3"});
  EXPECT_EQ(result("access.legitimate_requests").failed, 1) << "k2 signs tokens but is not published";
  EXPECT_EQ(result("isolation.adversary_refused").failed, 1) << "k3's pool was deleted";
  oracle->jwks_published(404, {}, {"k1"}, {});
  EXPECT_EQ(result("access.legitimate_requests").failed, 2);
}

TEST_F(OracleTest, AttacksThatNeverArriveAreNotAPass) {
  oracle->attempt("alg_none", "acme", "GET x", 401, 401);
  oracle->attempt("alg_none", "acme", "GET x", 401, 503);  // an injected fault on the way: not arrived
  oracle->attack_reached("prompt_injection", true);
  oracle->attack_reached("prompt_injection", false);
  EXPECT_EQ(result("isolation.attacks_reached").failed, 0) << "half arrived";
  oracle->attack_reached("prompt_injection", false);
  const auto c = result("isolation.attacks_reached");
  ASSERT_EQ(c.failed, 1);
  EXPECT_NE(c.examples[0].find("prompt_injection: only 1 of 3 attacks reached"), std::string::npos) << c.examples[0];
}

TEST_F(OracleTest, MyTenantsShowsTheAdminItsOwnTenantAtItsTierAndRefusesAPlainUser) {
  const json own = {{"tenants", {{{"tenant_id", "acme"}, {"subscription_tier", "basic"}}}}};
  oracle->my_tenants_listed("acme", true, 200, own);
  oracle->my_tenants_listed("acme", false, 403, json::object());
  EXPECT_EQ(result("access.admin_views").failed, 0);
  oracle->tier_changed("acme", "premium", at("2024-01-31T12:00:00Z"));
  oracle->my_tenants_listed("acme", true, 200, own);  // the token's old tier
  EXPECT_EQ(result("access.admin_views").failed, 1);
  oracle->my_tenants_listed("acme", false, 200, own);
  const json two = {{"tenants", {{{"tenant_id", "acme"}, {"subscription_tier", "premium"}},
                                 {{"tenant_id", "globex"}, {"subscription_tier", "premium"}}}}};
  oracle->my_tenants_listed("acme", true, 200, two);
  EXPECT_EQ(result("access.admin_views").failed, 3);
}

TEST_F(OracleTest, CostViewsMustAgreeWithEachOtherAndWithWhatWasMetered) {
  const auto money = [](int64_t p) { return json{{"usd", "x"}, {"pico_usd", p}}; };
  const auto view = [&](int64_t a, int64_t b) {  // two services, two users
    return json{{"total", money(a + b)}, {"by_service", {{"bedrock", money(a)}, {"weather", money(b)}}},
                {"by_user", {{"u1", money(a)}, {"u2", money(b)}}}};
  };
  Oracle::CostViews v;
  v.all = view(30, 10);
  v.last_366_days = view(30, 10);
  v.last_30_days = view(20, 5);
  v.last_day = view(5, 1);
  v.comprehensive = {{"total", money(40)},
                     {"lines", {{{"metric_type", "bedrock_input_tokens"}, {"cost", money(25)}},
                                {{"metric_type", "weather_api_calls"}, {"cost", money(15)}}}}};
  v.bad_windows = {{"days=0", 400}, {"days=367", 400}};
  v.user = "u2";
  v.user_view = {{"total", money(10)}};
  oracle->cost_views("acme", v);
  Oracle::Metered metered;
  metered.quantity[{"bedrock_invocation", "m"}] = 1;
  metered.cost_by_service = {{"bedrock", Money{30}}, {"weather", Money{10}}};
  EXPECT_EQ(result("cost.views", metered).failed, 0);
  metered.cost_by_service["weather"] = Money{11};
  EXPECT_EQ(result("cost.views", metered).failed, 1) << "the view is not what the usage records cost";
}

TEST_F(OracleTest, CostViewsThatDisagreeFail) {
  const auto money = [](int64_t p) { return json{{"usd", "x"}, {"pico_usd", p}}; };
  const auto view = [&](int64_t a, int64_t b) {
    return json{{"total", money(a + b)}, {"by_service", {{"bedrock", money(a)}, {"weather", money(b)}}},
                {"by_user", {{"u1", money(a)}, {"u2", money(b)}}}};
  };
  Oracle::CostViews wrong;
  wrong.all = view(30, 10);
  wrong.user = "u2";
  wrong.last_366_days = view(30, 9);  // a window that loses a day
  wrong.bad_windows = {{"days=0", 200}};
  wrong.user_view = {{"total", money(40)}};  // a user shown the tenant's whole bill
  wrong.last_day = json{{"total", money(7)}, {"by_service", {{"bedrock", money(5)}}}, {"by_user", {{"u1", money(7)}}}};
  wrong.last_30_days = view(30, 10);
  oracle->cost_views("globex", wrong);
  const auto c = result("cost.views");
  std::string all;
  for (const auto& e : c.examples) all += e + "\n";
  EXPECT_NE(all.find("?days=366 totals"), std::string::npos) << all;
  EXPECT_NE(all.find("?days=0 answered 200, expected 400"), std::string::npos) << all;
  EXPECT_NE(all.find("user u2 sees"), std::string::npos) << all;
  EXPECT_NE(all.find("over the last day the total is"), std::string::npos) << all;
}

// A window consistent with itself can still leave out usage: only the records in it prove it
// (mutant 107, a window that dropped its partial first day, passed every other check).
TEST_F(OracleTest, AWindowsViewMustPriceToItsRecords) {
  const auto money = [](int64_t p) { return json{{"usd", "x"}, {"pico_usd", p}}; };
  const auto view = [&](int64_t a) { return json{{"total", money(a)}, {"by_service", {{"bedrock", money(a)}}}, {"by_user", {{"u1", money(a)}}}}; };
  Oracle::CostViews v;
  v.all = v.last_366_days = view(40);
  v.last_30_days = view(20);
  v.last_day = view(5);
  v.records_last_30_days = std::pair<int64_t, int64_t>{20, 20};
  v.records_last_day = std::pair<int64_t, int64_t>{4, 6};  // the clock moved while the views answered
  oracle->cost_views("acme", v);
  Oracle::Metered metered;
  metered.quantity[{"bedrock_invocation", "m"}] = 1;
  metered.cost_by_service = {{"bedrock", Money{40}}};
  EXPECT_EQ(result("cost.views", metered).failed, 0);
  v.records_last_30_days = std::pair<int64_t, int64_t>{25, 25};
  v.records_last_day = std::pair<int64_t, int64_t>{6, 7};
  oracle->cost_views("acme", v);
  const auto c = result("cost.views", metered);
  std::string all;
  for (const auto& e : c.examples) all += e + "\n";
  EXPECT_EQ(c.failed, 2) << all;
  EXPECT_NE(all.find("?days=30 totals 0.00000000002 USD, its usage records in that window 0.000000000025 USD"),
            std::string::npos) << all;
  EXPECT_NE(all.find("?days=1 totals 0.000000000005 USD, its usage records in that window 0.000000000006 to"),
            std::string::npos) << all;
}

TEST_F(OracleTest, ALongerWindowHoldsAShorterOneAndReportLinesAddUp) {
  const auto money = [](int64_t p) { return json{{"usd", "x"}, {"pico_usd", p}}; };
  const auto view = [&](int64_t a) { return json{{"total", money(a)}, {"by_service", {{"bedrock", money(a)}}}, {"by_user", {{"u1", money(a)}}}}; };
  Oracle::CostViews v;
  v.all = v.last_366_days = view(40);
  v.last_30_days = view(5);  // less than its last day
  v.last_day = view(7);
  v.comprehensive = {{"total", money(40)}, {"lines", {{{"metric_type", "bedrock_input_tokens"}, {"cost", money(0)}}}}};
  oracle->cost_views("acme", v);
  const auto c = result("cost.views");
  std::string all;
  for (const auto& e : c.examples) all += e + "\n";
  EXPECT_EQ(c.failed, 3) << all;  // the third: nothing was metered for acme in this test
  EXPECT_NE(all.find("?days=1 totals 0.000000000007 USD, ?days=30 0.000000000005"), std::string::npos) << all;
  EXPECT_NE(all.find("the comprehensive report's lines add up to 0.00 USD, its total is 0.00000000004"), std::string::npos)
      << all;
}

TEST_F(OracleTest, TenantsKeepTheirOwnTablesAndNoneDisappears) {
  Oracle::TenantResources pooled{false, "usage", "sessions", "", ""};
  Oracle::TenantResources silo{true, "usage-globex", "sessions-globex", "", ""};
  oracle->tenant_resources("acme", "after onboarding", pooled);
  oracle->tenant_resources("globex", "after onboarding", silo);
  EXPECT_EQ(result("isolation.shared_resources").failed, 0);
  oracle->tenant_resources("initech", "after onboarding", Oracle::TenantResources{true, "usage", "sessions-initech", "", ""});
  EXPECT_EQ(result("isolation.shared_resources").failed, 1) << "a silo tenant on the pool's usage table";
  pooled.usage_error = "ResourceNotFoundException: Requested resource not found";
  oracle->tenant_resources("acme", "after the run", pooled);
  const auto c = result("isolation.shared_resources");
  EXPECT_EQ(c.failed, 2);
  EXPECT_NE(c.examples.back().find("tenant acme (pool) after the run: its usage table usage cannot be read"),
            std::string::npos)
      << c.examples.back();
}

TEST_F(OracleTest, OpensInFlightMayHoldTheSlotsARefusalSaw) {
  // basic: one concurrent session. Two opens at once: the one answered later took the slot.
  oracle->session_open_sent("acme", "u1");
  oracle->session_open_sent("acme", "u1");
  oracle->session_opened("acme", "u1", "", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:01Z"), 429,
                         "ConcurrentSessionLimitExceeded");
  oracle->session_opened("acme", "u1", "s1", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:02Z"), 201, "");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 0);
  oracle->session_open_sent("globex", "u1");  // premium: two; refused with one open and none in flight
  oracle->session_opened("globex", "u1", "g1", at("2024-01-31T10:00:00Z"), at("2024-01-31T10:00:01Z"), 201, "");
  oracle->session_open_sent("globex", "u1");
  oracle->session_opened("globex", "u1", "", at("2024-01-31T10:01:00Z"), at("2024-01-31T10:01:01Z"), 429,
                         "ConcurrentSessionLimitExceeded");
  EXPECT_EQ(result("limits.concurrent_sessions").failed, 1);
}

// A sign-up the system refused (no fault is injected while the population signs up) is the system
// failing a legitimate user: a failed check, not an environment error that ends the run.
TEST_F(OracleTest, ASignUpTheSystemRefusedFailsLegitimateRequests) {
  oracle->legitimate_request("acme", "GET /api/tenants/{tenant}/subscription", 200, "");
  EXPECT_EQ(result("access.legitimate_requests").failed, 0);
  oracle->onboarding_refused("initech", "the admin creating a user and the user signing in", 401, "TokenNotYetValid");
  const auto r = result("access.legitimate_requests");
  EXPECT_EQ(r.failed, 1);
  ASSERT_FALSE(r.examples.empty());
  EXPECT_NE(r.examples.front().find("initech"), std::string::npos);
  EXPECT_NE(r.examples.front().find("401 TokenNotYetValid"), std::string::npos);
}

}  // namespace
}  // namespace tenantsim
