// tenantsim report, compare, defects list and checks list: commands that read stored runs or
// print catalogs, and run nothing.
#include <fmt/format.h>

#include <iostream>

#include "core/base/defects.h"
#include "harness/cli/cli.h"
#include "harness/world.h"
#include "reports/results_db.h"
#include "reports/writers.h"
#include "scenarios/checks.h"

namespace tenantsim::cli {

namespace {
// Every format a stored run re-renders to: the help, the check of --format and the dispatch.
struct ReportFormat {
  const char* name;
  std::string (*render)(const RunResult&);
};
constexpr ReportFormat kFormats[] = {
    {"json", render_report_json},       {"junit", render_junit},
    {"md", render_summary_md},          {"html", render_html},
    {"costs-csv", render_costs_csv},    {"tenants-csv", render_tenants_csv},
    {"tiers-csv", render_tiers_csv},    {"users-csv", render_users_csv},
    {"daily-csv", render_daily_csv},    {"monthly-csv", render_monthly_csv},
    {"consumption-csv", render_consumption_csv},
};
std::string format_names(const char* separator) {
  std::string out;
  for (const auto& f : kFormats) out += (out.empty() ? "" : separator) + std::string(f.name);
  return out;
}
}  // namespace

int report(int argc, char** argv) {
  cxxopts::Options opts("tenantsim report", "Re-render a stored run (DIR/results.sqlite) on stdout.");
  opts.positional_help("DIR");
  opts.add_options()("dir", "run directory", cxxopts::value<std::string>())(
      "format", format_names(" | "), cxxopts::value<std::string>()->default_value("md"));
  opts.parse_positional({"dir"});
  auto args = parse(opts, argc, argv, 2);
  if (!args) return kOk;
  if (!args->count("dir")) throw UsageError("a run directory is required");
  const std::string format = (*args)["format"].as<std::string>();
  const ReportFormat* chosen = nullptr;
  for (const auto& f : kFormats)
    if (format == f.name) chosen = &f;
  if (!chosen) throw UsageError(fmt::format("unknown --format '{}' ({})", format, format_names(", ")));
  auto text = ResultsDb::read_report_json((*args)["dir"].as<std::string>());
  if (!text.ok()) {
    std::cerr << "tenantsim report: " << text.error().message << "\n";
    return kUsage;
  }
  auto r = parse_report_json(*text);
  if (!r.ok()) {
    std::cerr << "tenantsim report: " << r.error().message << "\n";
    return kUsage;
  }
  std::cout << chosen->render(*r);
  return kOk;
}

int compare(int argc, char** argv) {
  cxxopts::Options opts("tenantsim compare",
                        "What changed from run A to run B. Exit 1 when B regressed: a check newly fails the run, or\n"
                        "total cost or a tier's chat p99 rose beyond its tolerance. Different scenarios or seeds\n"
                        "and injected defects are warned about.");
  opts.positional_help("DIR_A DIR_B");
  opts.add_options()("dirs", "the two run directories", cxxopts::value<std::vector<std::string>>())(
      "cost-tolerance", "percent the total cost may rise", cxxopts::value<int64_t>()->default_value("5"))(
      "p99-tolerance", "percent a tier's chat p99 may rise", cxxopts::value<int64_t>()->default_value("20"));
  opts.parse_positional({"dirs"});
  auto args = parse(opts, argc, argv, 2);
  if (!args) return kOk;
  const auto dirs = args->count("dirs") ? (*args)["dirs"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (dirs.size() != 2) throw UsageError("two run directories are required: DIR_A DIR_B");
  CompareTolerance tol{(*args)["cost-tolerance"].as<int64_t>(), (*args)["p99-tolerance"].as<int64_t>()};
  if (tol.cost_percent < 0 || tol.p99_percent < 0) throw UsageError("tolerances are percentages of at least 0");
  nlohmann::json docs[2];
  for (int i = 0; i < 2; ++i) {
    auto doc = read_json_file(dirs[static_cast<size_t>(i)] + "/report.json");
    if (!doc.ok()) {
      std::cerr << "tenantsim compare: " << doc.error().message << "\n";
      return kUsage;
    }
    docs[i] = std::move(doc).value();
  }
  auto cmp = compare_reports(docs[0], docs[1], tol);
  if (!cmp.ok()) {
    std::cerr << "tenantsim compare: " << cmp.error().message << "\n";
    return kUsage;
  }
  std::cout << cmp->text;
  return cmp->regressions.empty() ? kOk : kCheckFailed;
}

int defects_list(int argc, char** argv) {
  cxxopts::Options opts("tenantsim defects list",
                        "The defect catalog: each defect, what it breaks, the check that catches it and the example\n"
                        "scenario that proves it (tenantsim run EXAMPLE --inject-defect NAME exits 1 on that check).");
  auto args = parse(opts, argc, argv, 3);
  if (!args) return kOk;
  for (const auto& d : defect_catalog())
    std::cout << fmt::format("{:<30} {:<52} caught by {} in {}.json\n", d.name, d.description, defect_proof(d.defect).check,
                             defect_proof(d.defect).example);
  return kOk;
}

int checks_list(int argc, char** argv) {
  cxxopts::Options opts("tenantsim checks list",
                        "Every check a run makes, with the group it belongs to. Scenarios name checks or groups in\n"
                        "thresholds.fail_on and thresholds.may_skip.");
  auto args = parse(opts, argc, argv, 3);
  if (!args) return kOk;
  for (const auto& c : check_catalog()) std::cout << fmt::format("{:<32} {}\n", c.name, c.description);
  return kOk;
}

}  // namespace tenantsim::cli
