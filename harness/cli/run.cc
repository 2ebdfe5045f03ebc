// tenantsim run: one seed with its reports, or a sweep over many seeds (--seeds A..B) that prints
// each failing seed with its first failing check, as simulation testing does (FoundationDB,
// TigerBeetle's VOPR): a verdict is only as good as the seeds it was tried on.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>

#include "harness/aws/backends.h"
#include "harness/cli/cli.h"
#include "harness/run.h"
#include "reports/results_db.h"
#include "reports/writers.h"

namespace tenantsim::cli {

namespace {

int64_t peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// "A..B" (inclusive), a single "A", or a comma list of both ("3,17,40..45": the seeds a nightly
// sweep named, replayed together), in the order given; a seed listed twice runs once.
std::vector<uint64_t> parse_seeds(const std::string& text) {
  const auto number = [&](const std::string& s) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19)
      throw UsageError(fmt::format("--seeds: '{}' is not a seed list (A..B or A,B,C with whole numbers)", text));
    return std::stoull(s);
  };
  constexpr uint64_t kMost = 100'000;
  std::vector<uint64_t> seeds;
  std::set<uint64_t> seen;
  size_t from = 0;
  while (true) {
    const size_t comma = text.find(',', from);
    const std::string part = text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    const auto dots = part.find("..");
    const uint64_t first = number(part.substr(0, dots));
    const uint64_t last = dots == std::string::npos ? first : number(part.substr(dots + 2));
    if (last < first) throw UsageError(fmt::format("--seeds: {} ends before it starts", part));
    if (last - first >= kMost) throw UsageError(fmt::format("--seeds: at most {} seeds in one sweep", kMost));
    for (uint64_t seed = first;; ++seed) {
      if (seen.insert(seed).second) seeds.push_back(seed);
      if (seeds.size() > kMost) throw UsageError(fmt::format("--seeds: at most {} seeds in one sweep", kMost));
      if (seed == last) break;
    }
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return seeds;
}

// Where reports go: a directory that may exist (its reports are replaced), never a file.
void check_out_dir(const std::string& out) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
    throw UsageError(fmt::format("--out {} is a file, not a directory", out));
}

// The first check that fails the run, with its first example, for one line of a sweep.
std::string first_failure(const RunResult& r) {
  for (const auto& c : r.checks)
    if (c.fails_run())
      return c.failed > 0 ? fmt::format("{}: {}", c.name, c.examples.empty() ? "" : c.examples.front())
                          : fmt::format("{}: not exercised", c.name);
  return "";
}

// One seed, with every report in `out`. Returns the exit code.
int run_one(const LoadedScenario& loaded, RunOptions ro, const std::string& out) {
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
  auto result = run_scenario(loaded, ro);
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
  print_checks(*result);
  std::cout << fmt::format("verdict: {}  ({} tenants, {} requests, seed {}, {:.1f} s wall, {:.0f} requests/s)\n",
                           result->passed() ? "pass" : "FAIL", result->tenants.size(), result->requests, result->seed,
                           wall, timing.simulated_requests_per_second);
  std::cout << "reports: " << out
            << "/{report.json,junit.xml,summary.md,report.html,costs.csv,tenants.csv,tiers.csv,users.csv,daily.csv,monthly.csv,consumption.csv,timing.json,results.sqlite}\n";
  return result->passed() ? kOk : kCheckFailed;
}

// Every seed of the list, without reports; a failing seed is run again with its reports in
// OUT/seed-N when --out is given (runs are deterministic, so the replay is the same run).
int sweep(const LoadedScenario& loaded, RunOptions ro, const std::vector<uint64_t>& seeds, const std::string& scenario_path,
          const std::optional<std::string>& out) {
  ro.progress = false;
  std::vector<uint64_t> failed;
  const uint64_t total = seeds.size();
  std::vector<std::string> suites;  // junit, a suite per seed
  size_t cases = 0, failed_cases = 0;
  for (const uint64_t seed : seeds) {
    ro.seed = seed;
    auto result = run_scenario(loaded, ro);
    if (!result.ok()) {
      std::cerr << "tenantsim run: seed " << seed << ": " << result.error().name << ": " << result.error().message << "\n";
      return result.error().kind == ErrorKind::kBadRequest ? kUsage : kEnvironment;
    }
    suites.push_back(render_junit_suite(*result, fmt::format("tenantsim.{}.seed-{}", result->scenario, seed)));
    cases += result->checks.size();
    for (const auto& c : result->checks) failed_cases += c.fails_run();
    if (result->passed()) {
      std::cout << fmt::format("seed {}: pass ({} requests)\n", seed, result->requests);
    } else {
      failed.push_back(seed);
      std::cout << fmt::format("seed {}: FAIL {}\n", seed, first_failure(*result));
    }
    std::cout.flush();
  }
  std::cout << fmt::format("sweep: {} of {} seeds failed{}\n", failed.size(), total, failed.empty() ? "" : ":");
  if (out) {  // one junit for CI: a test suite per seed, a test case per check
    std::error_code ec;
    std::filesystem::create_directories(*out, ec);
    const Status written = ec ? Status(Error::make(ErrorKind::kUnavailable, "CannotWrite", fmt::format("cannot create {}: {}", *out, ec.message())))
                              : write_file_atomically(*out + "/junit.xml",
                                                      render_seed_sweep_junit(loaded.scenario.name, suites, cases, failed_cases));
    if (!written.ok()) {
      std::cerr << "tenantsim run: " << written.error().message << "\n";
      return kEnvironment;
    }
    std::cout << fmt::format("junit: {}/junit.xml ({} seeds, {} checks each)\n", *out, total,
                             total ? cases / total : 0);
  }
  for (uint64_t seed : failed) {
    std::string defects;
    for (const auto& o : loaded.overrides) defects += fmt::format(" --set '{}'", o);
    for (auto d : ro.defects.enabled()) defects += fmt::format(" --inject-defect {}", defect_name(d));
    std::cout << fmt::format("  reproduce: tenantsim run {} --seed {}{}\n", scenario_path, seed, defects);
    if (out) {
      RunOptions one = ro;
      one.seed = seed;
      std::cout << fmt::format("  reports of seed {}:\n", seed);
      const int code = run_one(loaded, one, fmt::format("{}/seed-{}", *out, seed));
      if (code != kOk && code != kCheckFailed) return code;
    }
  }
  return failed.empty() ? kOk : kCheckFailed;
}

}  // namespace

int run(int argc, char** argv) {
  cxxopts::Options opts("tenantsim run", "Simulate a scenario in virtual time, check it, and write its reports.");
  opts.positional_help("SCENARIO");
  opts.add_options()("scenario", "scenario file (JSON, see scenarios/SCHEMA.md)", cxxopts::value<std::string>())(
      "seed", "seed N (overrides the scenario's)", cxxopts::value<uint64_t>())(
      "seeds", "sweep: run every seed of A..B (or a list: 3,17,40..45), print each failing seed with its first failing check",
      cxxopts::value<std::string>())(
      "out", "report directory (default out/<scenario name>; with --seeds, DIR/junit.xml has a test suite per seed and reports of failing seeds go to DIR/seed-N)",
      cxxopts::value<std::string>())(
      "backends", "JSON file: which services run on a real endpoint (see README: fakes and real endpoints)",
      cxxopts::value<std::string>());
  add_system_options(opts);
  add_scenario_options(opts);
  opts.parse_positional({"scenario"});
  auto args = parse(opts, argc, argv, 2);
  if (!args) return kOk;
  if (!args->count("scenario")) throw UsageError("a scenario file is required");
  if (args->count("seed") && args->count("seeds")) throw UsageError("--seed and --seeds exclude each other");
  std::optional<std::vector<uint64_t>> seeds;
  if (args->count("seeds")) seeds = parse_seeds((*args)["seeds"].as<std::string>());
  std::optional<std::string> out;
  if (args->count("out")) {
    out = (*args)["out"].as<std::string>();
    check_out_dir(*out);
  }

  RunOptions ro;
  if (args->count("seed")) ro.seed = (*args)["seed"].as<uint64_t>();
  ro.progress = true;
  ro.defects = injected_defects(*args);
  const std::string path = (*args)["scenario"].as<std::string>();
  auto loaded = load_scenario(path, (*args)["data-dir"].as<std::string>(), scenario_overrides(*args));
  if (!loaded.ok()) {
    std::cerr << "tenantsim run: " << loaded.error().message << "\n";
    return kUsage;
  }
  if (loaded->scenario.mode == "load")
    throw UsageError(fmt::format("{}: scenario '{}' is written for wall-clock load (\"mode\": \"load\"), not a "
                                 "simulation; run it with: tenantsim load {}",
                                 path, loaded->scenario.name, path));
  aws::RealClients real;
  std::unique_ptr<aws::FakesLink> link;
  if (args->count("backends")) {
    if (seeds) throw UsageError("--seeds with --backends: one run at a time against a real endpoint");
    auto backends = aws::load_backends((*args)["backends"].as<std::string>());
    if (!backends.ok()) {
      std::cerr << "tenantsim run: --backends: " << backends.error().message << "\n";
      return kUsage;
    }
    // Without a link to `fakes serve`, why each service can be real for `serve` but not for a run:
    // the run's oracle needs what only a fake gives.
    const std::pair<bool, const char*> serve_only[] = {
        {backends->cognito.has_value(),
         "cognito: \"real\" is for `tenantsim serve`; a run's token attacks sign with its pools' keys, which a real "
         "Cognito does not give"},
        {backends->bedrock.has_value(),
         "bedrock: \"real\" is for `tenantsim serve`; a run reconciles every token billed against the model's "
         "ledger, which a real Bedrock does not give"},
        {backends->weather.has_value(),
         "weather: \"real\" is for `tenantsim serve`; a run reconciles every weather call billed against the weather "
         "API's ledger, which OpenWeatherMap does not give"},
        {backends->knowledge_base.has_value(),
         "knowledge_base: \"real\" is for `tenantsim serve`; a run judges isolation from the ledger of every "
         "retrieval, which Bedrock does not give"},
        {backends->agents.has_value(),
         "agents: \"real\" is for `tenantsim serve`; a run reconciles every agent invocation billed against the "
         "agents' ledger, which Bedrock does not give"}};
    if (backends->fakes_serve.empty()) {
      for (const auto& [is_real, why] : serve_only) {
        if (!is_real) continue;
        std::cerr << "tenantsim run: --backends: " << why << " (unless the endpoints are a `tenantsim fakes serve "
                  << "--clock caller` named as fakes_serve)\n";
        return kUsage;
      }
    } else {
      auto linked = aws::FakesLink::connect(backends->fakes_serve, loaded->scenario.seed);
      if (!linked.ok()) {
        std::cerr << "tenantsim run: --backends: " << linked.error().message << "\n";
        return kUsage;
      }
      link = std::move(*linked);
    }
    auto made = aws::make_clients(*backends, loaded->scenario.seed, link.get());
    if (!made.ok()) {
      std::cerr << "tenantsim run: --backends: " << made.error().message << "\n";
      return kUsage;
    }
    real = std::move(*made);
    ro.ports = real.ports(link.get());
    ro.fakes_link = link.get();
    if (real.dynamodb)
      std::cerr << "tenantsim run: DynamoDB is " << backends->dynamodb->endpoint
                << " (real client): its request units are not in the cost report\n";
    const Capacity& cap = loaded->scenario.capacity;
    if (real.dynamodb && (cap.dynamodb_partition_read_units_per_second || cap.dynamodb_partition_write_units_per_second))
      std::cerr << "tenantsim run: capacity.dynamodb_partition_*: not applied to a real DynamoDB (its partitions are "
                   "the service's)\n";
    if (link && real.cognito)
      std::cerr << "tenantsim run: Cognito is " << backends->cognito->endpoint
                << ": its monthly active users are not in the cost report\n";
  }
  if (seeds) return sweep(*loaded, ro, *seeds, path, out);
  const int code = run_one(*loaded, ro, out.value_or("out/" + loaded->scenario.name));
  if (real.dynamodb && real.drop_tables) {
    if (auto st = real.dynamodb->drop_created(); !st.ok())
      std::cerr << "tenantsim run: could not delete the run's DynamoDB tables: " << st.error().message << "\n";
  }
  return code;
}

int validate(int argc, char** argv) {
  cxxopts::Options opts("tenantsim scenario validate", "Check a scenario file; every problem is printed with its field path.");
  opts.positional_help("SCENARIO");
  opts.add_options()("scenario", "scenario file", cxxopts::value<std::string>())(
      "data-dir", "tier table and price catalogs", cxxopts::value<std::string>()->default_value(TENANTSIM_DATA_DIR));
  add_scenario_options(opts);
  opts.parse_positional({"scenario"});
  auto args = parse(opts, argc, argv, 3);
  if (!args) return kOk;
  if (!args->count("scenario")) throw UsageError("a scenario file is required");
  auto loaded = load_scenario((*args)["scenario"].as<std::string>(), (*args)["data-dir"].as<std::string>(),
                              scenario_overrides(*args));
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << "\n";
    return kUsage;
  }
  std::cout << (*args)["scenario"].as<std::string>() << ": valid (" << loaded->scenario.tenants << " tenants, "
            << loaded->scenario.duration.count() / 3'600'000'000LL << " h)\n";
  return kOk;
}

}  // namespace tenantsim::cli
