// Renderers of a RunResult. Each returns the file's text; write_reports puts them in a directory.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "reports/run_result.h"

namespace tenantsim {

std::string render_report_json(const RunResult& r);  // schema in reports/SCHEMA.md
std::string render_junit(const RunResult& r);
// The <testsuite> element of render_junit, named `suite` (its test cases' classname too), for
// documents that hold several runs.
std::string render_junit_suite(const RunResult& r, const std::string& suite);
// A seed sweep's junit.xml: <testsuites> around one render_junit_suite per seed, in the order run;
// `tests` and `failures` are the test cases (checks) over all of them and those that failed.
std::string render_seed_sweep_junit(const std::string& scenario, const std::vector<std::string>& suites, size_t tests,
                                    size_t failures);
std::string render_summary_md(const RunResult& r);
std::string render_costs_csv(const RunResult& r);    // tenant,tier,service,pico_usd,usd
std::string render_tenants_csv(const RunResult& r);
std::string render_tiers_csv(const RunResult& r);  // per tier: revenue, cost, margin, spread, break-even
std::string render_consumption_csv(const RunResult& r);  // per tenant, tier, agent and model: the consumption events
std::string render_users_csv(const RunResult& r);  // per user: metered cost by service, revenue share
std::string render_daily_csv(const RunResult& r);  // per UTC day: revenue, metered and fixed cost
std::string render_monthly_csv(const RunResult& r);  // the days added up per UTC month
std::string render_timing_json(const RunTiming& t);
std::string render_html(const RunResult& r);  // self-contained: inline CSS and SVG charts, no network

// One cell of a what-if sweep (`tenantsim sweep`): the overrides it ran with and its result.
struct SweepCell {
  std::string name;                     // "cell-3"
  std::vector<std::string> overrides;   // "tier_overrides.basic.daily_messages=50", ...
  RunResult result;
};
// One row per cell and tier: the cell's overrides as columns (`keys`), its verdict, and the tier's
// revenue, cost, margin, margin %, tenants losing money and cost per message.
std::string render_sweep_csv(const std::vector<std::string>& keys, const std::vector<SweepCell>& cells);
// Margin and cost per tier across the cells (two line charts and the table), self-contained.
std::string render_sweep_html(const std::string& title, const std::vector<SweepCell>& cells);

// report.json back into a RunResult (to re-render a stored run in another format).
Result<RunResult> parse_report_json(const std::string& text);
Result<RunResult> run_result_from_json(const nlohmann::json& report);  // the same, already parsed
// What changed from run A to run B (verdict, check statuses, requests, cost per tier, chat p99).
// B regressed when a check newly fails the run, or total cost or a tier's chat p99 rose by more
// than the tolerance. Different scenarios or seeds, and injected defects, are warnings.
struct CompareTolerance {
  int64_t cost_percent = 5;
  int64_t p99_percent = 20;
};
struct Comparison {
  std::string text;
  std::vector<std::string> warnings;
  std::vector<std::string> regressions;
};
Result<Comparison> compare_reports(const nlohmann::json& a, const nlohmann::json& b,
                                   const CompareTolerance& tolerance = {});

// Escapes & < > " for XML and HTML text and attributes.
std::string markup_escape(const std::string& s);

// Writes every report into `dir` (created if missing). Each file is written to a temporary name
// and renamed into place, so a reader never sees a half-written report. kUnavailable on I/O errors.
Status write_reports(const std::string& dir, const RunResult& r, const RunTiming& t);
// `text` into `path` through a temporary file renamed into place (the directory must exist).
Status write_file_atomically(const std::string& path, const std::string& text);

}  // namespace tenantsim
