// The renderers: verdicts follow gating, text that could break a format is escaped, and
// write_reports leaves complete files and no temporaries.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

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
  const std::string text = render_report_json(r);
  auto back = parse_report_json(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(render_report_json(*back), text);
  EXPECT_FALSE(parse_report_json("{\"schema_version\": 99}").ok());
  EXPECT_FALSE(parse_report_json("not json").ok());
}

TEST(Reports, CompareNamesChangedChecksAndCosts) {
  RunResult a = sample();
  RunResult b = sample();
  b.checks[0].failed = 3;
  b.tenants[0].cost = Money{3'000'000};
  auto text = compare_reports(nlohmann::json::parse(render_report_json(a)), nlohmann::json::parse(render_report_json(b)));
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("isolation.canaries: 0 failed -> 3 failed"), std::string::npos) << *text;
  EXPECT_NE(text->find("basic      0.0000015 -> 0.000003 USD (+100.0%)"), std::string::npos) << *text;
  EXPECT_EQ(text->find("limits.within_limits"), std::string::npos) << "unchanged checks are not listed";
}

}  // namespace
}  // namespace tenantsim
