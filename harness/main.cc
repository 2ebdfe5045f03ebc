// tenantsim: the command-line entry point. Subcommands not built yet say so and exit 2.
#include <cxxopts.hpp>
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <iostream>

#include <filesystem>

#include "harness/run.h"
#include "harness/world.h"
#include "reports/results_db.h"
#include "reports/writers.h"

namespace {

using namespace tenantsim;

constexpr int kOk = 0, kCheckFailed = 1, kUsage = 2, kEnvironment = 3;

void usage() {
  std::cout << R"(tenantsim — multi-tenant simulation and load-test harness

usage:
  tenantsim run SCENARIO [--seed N] [--out DIR] [--inject-defect NAME]... [--data-dir DIR]
        simulate the scenario in virtual time, check it, write reports to DIR (default out/<name>)
  tenantsim scenario validate SCENARIO [--data-dir DIR]
        check a scenario file; every problem is printed with its field path
  tenantsim report DIR [--format json|junit|md|html|costs-csv|tenants-csv]
        re-render a stored run (DIR/results.sqlite) on stdout
  tenantsim compare DIR_A DIR_B          what changed between two runs (checks, cost per tier, latency)
  tenantsim defects list                 the defect catalog (for --inject-defect)
  tenantsim serve | fakes serve | load | merge      (not yet implemented)
  tenantsim --help | --version

exit codes: 0 all checks passed, 1 a check failed, 2 bad usage or input, 3 environment failure
)";
}

// Parses argv[first..] with the given options; throws cxxopts exceptions on bad flags.
cxxopts::ParseResult parse(cxxopts::Options& opts, int argc, char** argv, int first) {
  opts.allow_unrecognised_options();
  auto r = opts.parse(argc - first + 1, argv + first - 1);
  if (!r.unmatched().empty()) throw cxxopts::exceptions::exception("unexpected argument '" + r.unmatched()[0] + "'");
  return r;
}

int64_t peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int run(int argc, char** argv) {
  cxxopts::Options opts("tenantsim run");
  opts.add_options()("scenario", "scenario file", cxxopts::value<std::string>())(
      "seed", "seed (overrides the scenario's)", cxxopts::value<uint64_t>())(
      "out", "report directory", cxxopts::value<std::string>())(
      "inject-defect", "defect name (repeatable)", cxxopts::value<std::vector<std::string>>())(
      "data-dir", "tier table and price catalogs", cxxopts::value<std::string>()->default_value(TENANTSIM_DATA_DIR));
  opts.parse_positional({"scenario"});
  auto args = parse(opts, argc, argv, 2);
  if (!args.count("scenario")) throw cxxopts::exceptions::exception("a scenario file is required");

  RunOptions ro;
  if (args.count("seed")) ro.seed = args["seed"].as<uint64_t>();
  ro.progress = true;
  if (args.count("inject-defect")) {
    for (const auto& name : args["inject-defect"].as<std::vector<std::string>>()) {
      auto d = parse_defect(name);
      if (!d) {
        std::cerr << "tenantsim run: unknown defect '" << name << "' (see `tenantsim defects list`)\n";
        return kUsage;
      }
      ro.defects.enable(*d);
      std::cerr << "*** DEFECT INJECTED: " << name << " — this run tests the checks, not the system ***\n";
    }
  }
  auto loaded = load_scenario(args["scenario"].as<std::string>(), args["data-dir"].as<std::string>());
  if (!loaded.ok()) {
    std::cerr << "tenantsim run: " << loaded.error().message << "\n";
    return kUsage;
  }
  const std::string out = args.count("out") ? args["out"].as<std::string>() : "out/" + loaded->scenario.name;

  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::cerr << "tenantsim run: cannot create " << out << ": " << ec.message() << "\n";
    return kEnvironment;
  }
  auto db = ResultsDb::create(out);
  if (!db.ok()) {
    std::cerr << "tenantsim run: " << db.error().message << "\n";
    return kEnvironment;
  }
  ro.requests = db->get();

  const auto wall_start = std::chrono::steady_clock::now();
  auto result = run_scenario(*loaded, ro);
  if (!result.ok()) {
    std::cerr << "tenantsim run: " << result.error().name << ": " << result.error().message << "\n";
    return result.error().kind == ErrorKind::kBadRequest ? kUsage : kEnvironment;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  RunTiming timing{wall, wall > 0 ? static_cast<double>(result->requests) / wall : 0, peak_rss_kib()};
  auto written = write_reports(out, *result, timing);
  if (written.ok()) written = (*db)->finish(*result, render_report_json(*result));
  if (!written.ok()) {
    std::cerr << "tenantsim run: " << written.error().message << "\n";
    return kEnvironment;
  }
  for (const auto& c : result->checks) {
    std::cout << fmt::format("{} {:<32} {:>8} checked {:>6} failed{}\n",
                             c.passed() ? "PASS" : (c.gating ? "FAIL" : "warn"), c.name, c.checked, c.failed,
                             c.examples.empty() ? "" : "  e.g. " + c.examples.front());
  }
  std::cout << fmt::format("verdict: {}  ({} tenants, {} requests, seed {}, {:.1f} s wall, {:.0f} requests/s)\n",
                           result->passed() ? "pass" : "FAIL", result->tenants.size(), result->requests, result->seed,
                           wall, timing.simulated_requests_per_second);
  std::cout << "reports: " << out << "/{report.json,junit.xml,summary.md,report.html,costs.csv,tenants.csv,timing.json,results.sqlite}\n";
  return result->passed() ? kOk : kCheckFailed;
}

// Re-renders a stored run (DIR/results.sqlite) in one format, on stdout.
int report(int argc, char** argv) {
  cxxopts::Options opts("tenantsim report");
  opts.add_options()("dir", "run directory", cxxopts::value<std::string>())(
      "format", "json | junit | md | html | costs-csv | tenants-csv", cxxopts::value<std::string>()->default_value("md"));
  opts.parse_positional({"dir"});
  auto args = parse(opts, argc, argv, 2);
  if (!args.count("dir")) throw cxxopts::exceptions::exception("a run directory is required");
  auto text = ResultsDb::read_report_json(args["dir"].as<std::string>());
  if (!text.ok()) {
    std::cerr << "tenantsim report: " << text.error().message << "\n";
    return kUsage;
  }
  auto r = parse_report_json(*text);
  if (!r.ok()) {
    std::cerr << "tenantsim report: " << r.error().message << "\n";
    return kUsage;
  }
  const std::string format = args["format"].as<std::string>();
  if (format == "json") std::cout << render_report_json(*r);
  else if (format == "junit") std::cout << render_junit(*r);
  else if (format == "md") std::cout << render_summary_md(*r);
  else if (format == "html") std::cout << render_html(*r);
  else if (format == "costs-csv") std::cout << render_costs_csv(*r);
  else if (format == "tenants-csv") std::cout << render_tenants_csv(*r);
  else throw cxxopts::exceptions::exception("unknown --format '" + format + "'");
  return kOk;
}

int compare(int argc, char** argv) {
  if (argc != 4) throw cxxopts::exceptions::exception("usage: tenantsim compare DIR_A DIR_B");
  nlohmann::json docs[2];
  for (int i = 0; i < 2; ++i) {
    auto doc = read_json_file(std::string(argv[2 + i]) + "/report.json");
    if (!doc.ok()) {
      std::cerr << "tenantsim compare: " << doc.error().message << "\n";
      return kUsage;
    }
    docs[i] = std::move(doc).value();
  }
  auto text = compare_reports(docs[0], docs[1]);
  if (!text.ok()) {
    std::cerr << "tenantsim compare: " << text.error().message << "\n";
    return kUsage;
  }
  std::cout << *text;
  return kOk;
}

int validate(int argc, char** argv) {
  cxxopts::Options opts("tenantsim scenario validate");
  opts.add_options()("scenario", "scenario file", cxxopts::value<std::string>())(
      "data-dir", "tier table and price catalogs", cxxopts::value<std::string>()->default_value(TENANTSIM_DATA_DIR));
  opts.parse_positional({"scenario"});
  auto args = parse(opts, argc, argv, 3);
  if (!args.count("scenario")) throw cxxopts::exceptions::exception("a scenario file is required");
  auto loaded = load_scenario(args["scenario"].as<std::string>(), args["data-dir"].as<std::string>());
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return kUsage;
  }
  std::cout << args["scenario"].as<std::string>() << ": valid (" << loaded->scenario.tenants << " tenants, "
            << loaded->scenario.duration.count() / 3'600'000'000LL << " h)\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return kUsage;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      usage();
      return kOk;
    }
    if (cmd == "--version") {
      std::cout << "tenantsim " << TENANTSIM_VERSION << "\n";
      return kOk;
    }
    if (cmd == "defects" && argc == 3 && std::string(argv[2]) == "list") {
      for (const auto& d : defect_catalog())
        std::cout << fmt::format("{:<30} {:<52} caught by {} in {}.json\n", d.name, d.description, d.check, d.example);
      return kOk;
    }
    if (cmd == "run") return run(argc, argv);
    if (cmd == "report") return report(argc, argv);
    if (cmd == "compare") return compare(argc, argv);
    if (cmd == "scenario" && argc >= 3 && std::string(argv[2]) == "validate") return validate(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "tenantsim " << cmd << ": " << e.what() << " (try --help)\n";
    return kUsage;
  }
  static const char* planned[] = {"serve", "fakes", "load", "merge"};
  for (const char* p : planned)
    if (cmd == p) {
      std::cerr << "tenantsim " << cmd << ": not yet implemented\n";
      return kUsage;
    }
  std::cerr << "tenantsim: unknown command '" << cmd << "' (try --help)\n";
  return kUsage;
}
