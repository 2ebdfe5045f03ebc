// The renderers: verdicts follow gating, text that could break a format is escaped, and
// write_reports leaves complete files and no temporaries.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "reports/economics.h"
#include "reports/writers.h"

namespace tenantsim {
namespace {

RunResult sample() {
  RunResult r;
  r.scenario = "unit";
  r.seed = 5;
  CheckResult ok;
  ok.name = "isolation.canaries";
  ok.checked = 10;
  CheckResult bad;
  bad.name = "limits.within_limits";
  bad.description = "limits <hold> & \"stay\"";
  bad.checked = 4;
  bad.failed = 1;
  bad.examples = {"tenant a,b request <x>"};
  r.checks = {ok, bad};
  TenantRow t;
  t.id = "acme";
  t.tier = "basic";
  t.deployment = "pool";
  t.cost_by_service["bedrock_agent"] = Money{1'500'000};
  t.cost = Money{1'500'000};
  r.tenants = {t};
  return r;
}

TEST(Reports, VerdictFollowsGatingChecksOnly) {
  RunResult r = sample();
  auto j = nlohmann::json::parse(render_report_json(r));
  EXPECT_EQ(j["schema_version"], kReportSchemaVersion);
  EXPECT_EQ(j["verdict"], "fail");
  r.checks[1].gating = false;
  EXPECT_EQ(nlohmann::json::parse(render_report_json(r))["verdict"], "pass");
}

// The public sample judged over HTTP failed one probe kind six times before any other: with five
// examples kept, the report named sign-up alone and hid forged tokens, the open cost report and
// add-to-group. The first failure of each kind is kept past the few.
TEST(Reports, OneKindFailingOftenDoesNotHideTheOthers) {
  CheckResult c;
  for (int i = 0; i < 6; ++i) c.fail("probe: sign-up naming another tenant by tenant t" + std::to_string(i), "probe: sign-up");
  c.fail("probe: alg none token by tenant t1: GET /u answered 200", "probe: alg none token");
  c.fail("probe: alg none token by tenant t2: GET /u answered 200", "probe: alg none token");
  c.fail("probe: no token by tenant t3: GET /api/admin/cost-report answered 200", "probe: no token");
  c.fail("untagged failure");
  ASSERT_EQ(c.examples.size(), 7u);
  EXPECT_EQ(c.failed, 10);
  EXPECT_EQ(c.examples[5], "probe: alg none token by tenant t1: GET /u answered 200");
  EXPECT_EQ(c.examples[6], "probe: no token by tenant t3: GET /api/admin/cost-report answered 200");
  for (int i = 0; i < 30; ++i) c.fail("kind " + std::to_string(i) + " failed", "kind " + std::to_string(i) + " ");
  EXPECT_EQ(c.examples.size(), 16u);  // bounded still
}

TEST(Reports, MoneyIsExactIntegerAndDecimalString) {
  auto j = nlohmann::json::parse(render_report_json(sample()));
  EXPECT_EQ(j["tenants"][0]["cost"]["pico_usd"], 1'500'000);
  EXPECT_EQ(j["tenants"][0]["cost"]["usd"], "0.0000015");
  EXPECT_EQ(j["costs"]["total"]["pico_usd"], 1'500'000);
}

TEST(Reports, JunitEscapesAndCountsFailures) {
  const std::string x = render_junit(sample());
  EXPECT_NE(x.find("failures=\"1\""), std::string::npos);
  EXPECT_NE(x.find("limits &lt;hold&gt; &amp; &quot;stay&quot;"), std::string::npos);
  EXPECT_NE(x.find("request &lt;x&gt;"), std::string::npos);
  EXPECT_EQ(x.find("<hold>"), std::string::npos);
}

TEST(Reports, CsvQuotesFieldsWithCommas) {
  RunResult r = sample();
  r.tenants[0].id = "odd,id";
  EXPECT_NE(render_costs_csv(r).find("\"odd,id\",basic,bedrock_agent,1500000,0.0000015"), std::string::npos);
}

TEST(Reports, WriteReportsLeavesCompleteFilesOnly) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tenantsim-reports-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ASSERT_TRUE(write_reports(dir.string(), sample(), RunTiming{1.5, 100, 2048}).ok());
  for (const char* f : {"report.json", "junit.xml", "summary.md", "costs.csv", "tenants.csv", "timing.json"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
  EXPECT_FALSE(write_reports((dir / "report.json" / "sub").string(), sample(), RunTiming{}).ok())
      << "a path through a file cannot be a directory";
  fs::remove_all(dir);
}

TEST(Reports, ReportJsonRoundTripsThroughTheParser) {
  RunResult r = sample();
  r.timeline = {{0, 10, 1}, {1, 12, 0}};
  r.latency = {{"POST /api/chat", "basic", 3, 100, 200, 300, 400}};
  r.daily = {{"2024-04-01", Money{5}, Money{3}, Money{1}, Money{4}}, {"2024-04-02", Money{6}, Money{0}, Money{2}, Money{0}}};
  r.users = {{"acme", "basic", "sub-1", {{"bedrock_agent", Money{7}}}, Money{7}, Money{12}}};
  r.consumption = {{"acme", "basic", "knowledge agent", "m", 2, 30, 40, Money{9}}};
  r.tenants[0].tier_changes = {{"2024-04-01T12:00:00.000000Z", "premium"}};
  r.tenants[0].revenue_lines = {Money{4}, Money{2}, Money{1}};
  r.tenants[0].messages_by_month = {{{"2024-04", "basic"}, 9}};
  const std::string text = render_report_json(r);
  auto back = parse_report_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(render_report_json(*back), text);
  EXPECT_EQ(back->daily.size(), 2u);
  EXPECT_EQ(back->users.at(0).cost_by_service.at("bedrock_agent").pico, 7);
  EXPECT_EQ(back->users.at(0).revenue.pico, 12);
  EXPECT_EQ(render_consumption_csv(*back),
            "tenant,tier,agent,model,invocations,input_tokens,output_tokens,cost_usd\n"
            "acme,basic,knowledge agent,m,2,30,40,0.000000000009\n");
  EXPECT_EQ(render_users_csv(*back),
            "tenant,tier,user,cost_usd,bedrock_agent_usd,weather_api_usd,mcp_runtime_usd,knowledge_base_usd,"
            "agentcore_runtime_usd,agentcore_gateway_usd,revenue_usd\n"
            "acme,basic,sub-1,0.000000000007,0.000000000007,0.00,0.00,0.00,0.00,0.00,0.000000000012\n");
  EXPECT_EQ(back->tenants.at(0).revenue_lines.seats.pico, 2);
  EXPECT_EQ(back->tenants.at(0).messages_by_month.at({"2024-04", "basic"}), 9);
  EXPECT_EQ(render_daily_csv(*back),
            "day,revenue_usd,metered_cost_usd,fixed_cost_usd,platform_cost_usd,"
            "revenue_pico_usd,metered_cost_pico_usd,fixed_cost_pico_usd,platform_cost_pico_usd\n"
            "2024-04-01,0.000000000005,0.000000000003,0.000000000001,0.000000000004,5,3,1,4\n"
            "2024-04-02,0.000000000006,0.00,0.000000000002,0.00,6,0,2,0\n");
  // The days of a month add up in monthly.csv.
  EXPECT_EQ(render_monthly_csv(*back),
            "month,days,revenue_usd,metered_cost_usd,fixed_cost_usd,platform_cost_usd,"
            "revenue_pico_usd,metered_cost_pico_usd,fixed_cost_pico_usd,platform_cost_pico_usd\n"
            "2024-04,2,0.000000000011,0.000000000003,0.000000000003,0.000000000004,11,3,3,4\n");
  EXPECT_FALSE(parse_report_json("{\"schema_version\": 99}").ok());
  EXPECT_FALSE(parse_report_json("not json").ok());
}

// Tier economics worked out by hand: margins, the spread of cost over tenants, who loses money,
// cost per message and break-even, for a paying tier and a free one.
TEST(Reports, TierEconomicsByHand) {
  RunResult r;
  auto tenant = [&](const char* id, const char* tier, const char* cost, const char* revenue, int64_t chats) {
    TenantRow t;
    t.id = id;
    t.tier = tier;
    t.users = 2;
    t.chats_accepted = chats;
    t.cost = *parse_usd(cost);
    t.cost_by_service["bedrock_agent"] = t.cost;
    t.revenue = *parse_usd(revenue);
    r.tenants.push_back(t);
  };
  tenant("a1", "advanced", "1", "29", 100);
  tenant("a2", "advanced", "40", "29", 50);
  tenant("b1", "basic", "0.5", "0", 10);
  tenant("b2", "basic", "0.1", "0", 10);
  tenant("b3", "basic", "0.2", "0", 10);
  const auto e = tier_economics(r);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].tier, "basic");  // basic before advanced, as a reader expects
  const TierEconomics& adv = e[1];
  EXPECT_EQ(adv.revenue.pico, 58'000'000'000'000);
  EXPECT_EQ(adv.margin.pico, 17'000'000'000'000);
  EXPECT_EQ(adv.margin_bp, 2931);  // 17 / 58 = 29.31%
  EXPECT_EQ(adv.losing_tenants, 1);
  EXPECT_EQ(adv.cost_per_message->pico, 273'333'333'333);  // 41 / 150, floored
  EXPECT_EQ(adv.break_even_messages_per_tenant, 106);      // 29 / 0.273333333333
  EXPECT_EQ(adv.tenant_cost_p50.pico, 1'000'000'000'000);
  EXPECT_EQ(adv.tenant_cost_p90.pico, 40'000'000'000'000);
  const TierEconomics& basic = e[0];
  EXPECT_EQ(basic.margin.pico, -800'000'000'000);
  EXPECT_FALSE(basic.margin_bp.has_value());  // no revenue, no percentage
  EXPECT_EQ(basic.losing_tenants, 3);
  EXPECT_EQ(basic.tenant_cost_p50.pico, 200'000'000'000);
  EXPECT_EQ(basic.tenant_cost_max.pico, 500'000'000'000);
  EXPECT_EQ(basic.break_even_messages_per_tenant, 0);  // a free tier loses on every message
  EXPECT_EQ(bp_percent(-1234), "-12.34");
  const std::string csv = render_tiers_csv(r);
  EXPECT_NE(csv.find("advanced,2,4,150,58.00,41.00,17.00,29.31,1,0.273333333333,1.00,40.00,40.00,40.00,106,"),
            std::string::npos) << csv;
  EXPECT_NE(render_tenants_csv(r).find(",40.00,29.00,-11.00,"), std::string::npos);  // cost, revenue, margin
  auto back = parse_report_json(render_report_json(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->tenants[1].revenue.pico, 29'000'000'000'000);
}

// Issue 30: break-even pays the fixed cost first. A premium tenant whose silo costs $175.20 a month
// against a $99 fee never breaks even, however few messages it sends (it was reported as 306
// messages, the fee over an average cost per message that had the fixed cost in it); a silo that
// costs less than the fee leaves (fee - fixed) / marginal cost per message.
TEST(Economics, BreakEvenPaysTheFixedCostFirst) {
  RunResult r;
  auto tenant = [&](const std::string& id, const std::string& tier, const char* fixed, const char* metered,
                    const char* revenue, int64_t chats) {
    TenantRow t;
    t.id = id;
    t.tier = tier;
    t.users = 1;
    t.chats_accepted = chats;
    t.cost_by_service["silo_fixed"] = *parse_usd(fixed);
    t.cost_by_service["bedrock_agent"] = *parse_usd(metered);
    t.cost = t.cost_by_service["silo_fixed"] + t.cost_by_service["bedrock_agent"];
    t.revenue = *parse_usd(revenue);
    r.tenants.push_back(t);
  };
  tenant("p1", "premium", "175.20", "0.50", "99", 302);
  tenant("p2", "premium", "175.20", "1.20", "99", 708);
  tenant("s1", "silver", "20", "1", "50", 100);  // (50 - 20) / (1 / 100) = 3000
  const auto e = tier_economics(r);
  const auto premium = std::find_if(e.begin(), e.end(), [](const auto& x) { return x.tier == "premium"; });
  const auto silver = std::find_if(e.begin(), e.end(), [](const auto& x) { return x.tier == "silver"; });
  ASSERT_NE(premium, e.end());
  EXPECT_TRUE(premium->break_even_never);
  EXPECT_FALSE(premium->break_even_messages_per_tenant.has_value());
  EXPECT_FALSE(silver->break_even_never);
  EXPECT_EQ(silver->break_even_messages_per_tenant, 3000);
  const std::string csv = render_tiers_csv(r);
  EXPECT_NE(csv.find(",never,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",3000,"), std::string::npos) << csv;
  const std::string json = render_report_json(r);
  EXPECT_TRUE(json.find("\"break_even_never\":true") != std::string::npos ||
              json.find("\"break_even_never\": true") != std::string::npos);
}

// A load run's wall-clock series survives report.json and is drawn: throughput, chat latency per
// second, and the knee's two charts when there are steps; a virtual-time run draws none of them.
TEST(Reports, LoadSeriesRoundTripsAndIsDrawn) {
  RunResult r = sample();
  EXPECT_EQ(render_html(r).find("Load over wall-clock time"), std::string::npos);
  LoadSeries l;
  l.model = "open, stepped (--find-knee)";
  l.seconds = {{0, 100, 0, 0, 20'000, 30'000}, {1, 150, 2, 5, 21'000, 90'000}, {2, 40, 0, 0, 0, 0}};
  l.knee = {{100, 99.5, 30'000, true}, {150, 120.25, 90'000, false}};
  r.load = l;
  const std::string text = render_report_json(r);
  auto back = parse_report_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_TRUE(back->load.has_value());
  EXPECT_EQ(back->load->seconds.size(), 3u);
  EXPECT_EQ(back->load->seconds[1].chat_p99_us, 90'000);
  EXPECT_EQ(back->load->knee[1].achieved_per_s, 120.25);
  EXPECT_EQ(render_report_json(*back), text);
  const std::string html = render_html(r);
  EXPECT_NE(html.find("Load over wall-clock time"), std::string::npos);
  EXPECT_NE(html.find("Finding the knee"), std::string::npos);
  EXPECT_NE(html.find("<title>chat p99: 90</title>"), std::string::npos);  // the second with the stall
  EXPECT_EQ(html.find("Requests and refusals over time"), std::string::npos);
  r.load->knee.clear();
  EXPECT_EQ(render_html(r).find("Finding the knee"), std::string::npos);
}

// A wall-clock load shows what it has: its traffic's metered cost in process (no revenue or margin
// over seconds), nothing of cost against another process, never zeros a reader takes for figures.
TEST(Reports, ALoadShowsOnlyTheEconomicsItHas) {
  RunResult r = sample();
  ASSERT_NE(render_summary_md(r).find("### Margin by tier"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(render_report_json(r))["costs"].count("economics"), 0u) << "a run's bytes unchanged";
  r.economics = EconomicsScope::kCostOnly;
  std::string md = render_summary_md(r), html = render_html(r);
  EXPECT_EQ(md.find("### Margin by tier"), std::string::npos);
  EXPECT_NE(md.find("| basic | 1 | 0 | 0 | 0 | 0 | 0 | 0.0000015 |"), std::string::npos) << md;
  EXPECT_NE(html.find("Cost by tier and service"), std::string::npos);
  EXPECT_EQ(html.find("Revenue, cost and margin by tier"), std::string::npos);
  r.economics = EconomicsScope::kNone;
  md = render_summary_md(r);
  html = render_html(r);
  EXPECT_EQ(md.find("cost USD"), std::string::npos) << md;
  EXPECT_EQ(md.find("Most expensive"), std::string::npos);
  EXPECT_NE(md.find("Costs: not read"), std::string::npos);
  EXPECT_EQ(html.find("Cost by tier and service"), std::string::npos);
  auto back = run_result_from_json(nlohmann::json::parse(render_report_json(r)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->economics, EconomicsScope::kNone) << "report re-renders what the run had";
}

// sweep.html: a panel per tier on the tier's own axis, so basic's -$2.65 to -$31.08 is not drawn
// flat beside premium's +$374 to -$384 (one shared axis of lines across cells did that).
TEST(Reports, SweepHtmlDrawsEachTierOnItsOwnAxis) {
  const auto cell = [](const char* name, int64_t basic_cost_cents, int64_t premium_cost_cents) {
    SweepCell c{name, {std::string("tier_overrides.premium.monthly_fee_usd=") + name}, RunResult{}};
    TenantRow basic, premium;
    basic.id = "b";
    basic.tier = "basic";
    basic.cost = Money{basic_cost_cents * 10'000'000'000};
    premium.id = "p";
    premium.tier = "premium";
    premium.revenue = Money{500 * Money::kPicoPerDollar};
    premium.cost = Money{premium_cost_cents * 10'000'000'000};
    c.result.tenants = {basic, premium};
    return c;
  };
  const std::string html = render_sweep_html("unit", {cell("cell-1", 265, 12'600), cell("cell-2", 3'108, 88'400)});
  const auto panel = [&](const std::string& tier) {
    const size_t at = html.find("margin in USD of tier " + tier + " in each cell");
    EXPECT_NE(at, std::string::npos) << tier;
    return at == std::string::npos ? std::string() : html.substr(at, html.find("</svg>", at) - at);
  };
  const std::string basic = panel("basic"), premium = panel("premium");
  EXPECT_NE(basic.find(">-40<"), std::string::npos) << "basic's own axis reaches -$40";
  EXPECT_EQ(basic.find(">-400<"), std::string::npos) << "not premium's hundreds";
  EXPECT_NE(premium.find(">-400<"), std::string::npos);
  EXPECT_NE(basic.find("-$31.08"), std::string::npos) << "each cell's margin is written beside its bar";
  EXPECT_EQ(html.find("<polyline"), std::string::npos) << "no lines across unordered cells";
}

TEST(Reports, CompareNamesChangedChecksAndCosts) {
  RunResult a = sample();
  RunResult b = sample();
  b.checks[0].failed = 3;
  b.tenants[0].cost = Money{3'000'000};
  auto cmp = compare_reports(nlohmann::json::parse(render_report_json(a)), nlohmann::json::parse(render_report_json(b)));
  ASSERT_TRUE(cmp.ok());
  const std::string& text = cmp->text;
  EXPECT_NE(text.find("isolation.canaries: pass (0 failed) -> fail (3 failed)"), std::string::npos) << text;
  EXPECT_NE(text.find("basic      0.0000015 -> 0.000003 USD (+100.0%)"), std::string::npos) << text;
  EXPECT_EQ(text.find("limits.within_limits"), std::string::npos) << "unchanged checks are not listed";
}

nlohmann::json report_of(const RunResult& r) { return nlohmann::json::parse(render_report_json(r)); }

// A pricing what-if: compare shows each side's --set edits and the change in revenue and margin.
TEST(Reports, CompareShowsOverridesRevenueAndMargin) {
  RunResult a = sample();
  a.tenants[0].revenue = *parse_usd("29");
  a.tenants[0].cost = *parse_usd("1.5");
  RunResult b = a;
  b.overrides = {"tier_overrides.basic.model_id=sonnet"};
  b.tenants[0].cost = *parse_usd("3.5");
  auto cmp = compare_reports(nlohmann::json::parse(render_report_json(a)), nlohmann::json::parse(render_report_json(b)));
  ASSERT_TRUE(cmp.ok());
  EXPECT_NE(cmp->text.find("B ran with --set tier_overrides.basic.model_id=sonnet"), std::string::npos) << cmp->text;
  EXPECT_NE(cmp->text.find("basic      revenue 29.00 -> 29.00 USD (+0.0%), margin 27.50 -> 25.50 USD"),
            std::string::npos) << cmp->text;
}

TEST(Reports, CompareFlagsARegressionOnlyWhenBGotWorse) {
  RunResult a = sample();
  a.checks[1].failed = 0;  // A passes
  RunResult b = a;
  auto same = compare_reports(report_of(a), report_of(b));
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->regressions.empty()) << same->text;
  EXPECT_TRUE(same->warnings.empty()) << same->text;

  b.checks[1].failed = 2;  // a check newly failing
  auto worse = compare_reports(report_of(a), report_of(b));
  ASSERT_TRUE(worse.ok());
  ASSERT_FALSE(worse->regressions.empty());
  EXPECT_NE(worse->text.find("REGRESSION: check limits.within_limits newly fails the run"), std::string::npos) << worse->text;
  auto better = compare_reports(report_of(b), report_of(a));
  ASSERT_TRUE(better.ok());
  EXPECT_TRUE(better->regressions.empty()) << "fixing a check is not a regression";

  RunResult dear = a;  // cost up 10%, beyond the default 5%
  dear.tenants[0].cost = Money{1'650'000};
  auto cost = compare_reports(report_of(a), report_of(dear));
  ASSERT_TRUE(cost.ok());
  EXPECT_EQ(cost->regressions.size(), 1u) << cost->text;
  auto tolerated = compare_reports(report_of(a), report_of(dear), CompareTolerance{15, 20});
  ASSERT_TRUE(tolerated.ok());
  EXPECT_TRUE(tolerated->regressions.empty()) << tolerated->text;
}

TEST(Reports, CompareWarnsAboutDifferentSeedsAndInjectedDefects) {
  RunResult a = sample(), b = sample();
  b.seed = 6;
  b.defects = {"daily-limit-off-by-one"};
  auto cmp = compare_reports(report_of(a), report_of(b));
  ASSERT_TRUE(cmp.ok());
  ASSERT_EQ(cmp->warnings.size(), 2u) << cmp->text;
  EXPECT_NE(cmp->text.find("warning: A and B ran different seeds (5 and 6)"), std::string::npos) << cmp->text;
  EXPECT_NE(cmp->text.find("warning: B ran with defects injected: daily-limit-off-by-one"), std::string::npos) << cmp->text;
}

TEST(Reports, ACheckThatJudgedNothingIsNotAPass) {
  RunResult r = sample();
  r.checks[1].failed = 0;
  r.checks[1].checked = 0;
  EXPECT_EQ(r.checks[1].status(), CheckStatus::kNotExercised);
  EXPECT_FALSE(r.passed()) << "a gating check that judged nothing fails the run";
  auto j = report_of(r);
  EXPECT_EQ(j["checks"][1]["status"], "not_exercised");
  EXPECT_EQ(j["verdict"], "fail");
  EXPECT_NE(render_summary_md(r).find("**NOT EXERCISED**"), std::string::npos);
  EXPECT_NE(render_junit(r).find("<failure message=\"not exercised"), std::string::npos);
  r.checks[1].may_skip = true;
  EXPECT_TRUE(r.passed()) << "unless the scenario says it may be skipped";
  EXPECT_EQ(r.checks[1].label(), "SKIPPED");
  EXPECT_NE(render_junit(r).find("<skipped"), std::string::npos);
}

TEST(Reports, ANonGatingFailureIsAWarnInEveryFormat) {
  RunResult r = sample();
  r.checks[1].gating = false;
  EXPECT_TRUE(r.passed());
  EXPECT_EQ(report_of(r)["checks"][1]["status"], "warn");
  EXPECT_NE(render_summary_md(r).find("| `limits.within_limits` | WARN |"), std::string::npos) << render_summary_md(r);
  EXPECT_NE(render_junit(r).find("WARN (not gating)"), std::string::npos);
  EXPECT_NE(render_html(r).find("class=\"warn\">WARN<"), std::string::npos);
  auto back = parse_report_json(render_report_json(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->checks[1].status(), CheckStatus::kWarn);
}

}  // namespace
}  // namespace tenantsim
