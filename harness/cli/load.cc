// tenantsim load: a wall-clock load run against a served system (ours in process, or a URL).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "harness/cli/cli.h"
#include "harness/load/load_run.h"
#include "reports/writers.h"

namespace tenantsim::cli {

namespace {

// What k6 ends with: every answer by status, the refusals and failures by reason, then latency of
// the successes apart from them (a fast 429 flatters every percentile), and a noisy neighbour
// beside the others.
void print_summary(const RunResult& r, const nlohmann::json& d) {
  const auto share = [&](int64_t n) { return r.requests > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(r.requests) : 0.0; };
  std::string statuses;
  for (const auto& [status, count] : r.responses_by_status)
    statuses += fmt::format("  {} {} ({:.1f}%)", status == 0 ? std::string("no answer") : std::to_string(status), count, share(count));
  std::cout << fmt::format("responses:{}\n", statuses);
  int64_t refused = 0;
  for (const auto& [code, ref] : r.refusals) refused += ref.count;
  if (refused > 0) {
    std::cout << fmt::format("users' own requests refused or failed: {} ({:.1f}% of all)\n", refused, share(refused));
    for (const auto& [code, ref] : r.refusals)
      std::cout << fmt::format("  {:<32} {} {:>8} ({:.1f}%)  {}\n", code, ref.status, ref.count, share(ref.count), ref.reason);
  }
  std::cout << "latency of successes (2xx), from the intended send:\n";
  for (const auto& row : r.latency)
    std::cout << fmt::format("  {:<44} {:<9} n={:<7} p50 {:>8.2f} ms  p95 {:>8.2f} ms  p99 {:>8.2f} ms  max {:>8.2f} ms\n",
                             row.endpoint, row.tier, row.count, row.p50_us / 1000.0, row.p95_us / 1000.0, row.p99_us / 1000.0,
                             row.max_us / 1000.0);
  if (d.contains("latency"))
    for (const auto& [endpoint, by] : d["latency"].items())
      if (by.contains("refused_or_failed"))
        std::cout << fmt::format("  {:<44} {:<9} n={:<7} p50 {:>8.2f} ms  p99 {:>8.2f} ms  (refused or failed, apart)\n",
                                 endpoint, "", by["refused_or_failed"]["count"].get<int64_t>(),
                                 by["refused_or_failed"]["p50_us"].get<int64_t>() / 1000.0,
                                 by["refused_or_failed"]["p99_us"].get<int64_t>() / 1000.0);
  if (d.contains("provider_usage")) {
    // What the target consumed at its cloud (the fakes serve's ledger), priced: the bill's side.
    const auto& p = d["provider_usage"];
    const auto& t = p["totals"];
    std::cout << fmt::format("provider usage ({}): {} model calls ({} tokens in, {} out), {} agent invocations, {} weather "
                             "calls: ${}",
                             p["source"].get<std::string>(), t.value("bedrock_invocations", int64_t{0}),
                             t.value("bedrock_input_tokens", int64_t{0}), t.value("bedrock_output_tokens", int64_t{0}),
                             t.value("bedrock_agent_invocations", int64_t{0}), t.value("weather_calls", int64_t{0}),
                             p["cost"]["usd"].get<std::string>());
    if (p.contains("per_accepted_chat"))
      std::cout << fmt::format("; ${} per accepted chat", p["per_accepted_chat"]["cost"]["usd"].get<std::string>());
    // How much of it a bill split by Bedrock's tenant tag could give each tenant.
    std::cout << fmt::format("; {} of the model calls tagged with no tenant of the run\n",
                             t.value("bedrock_invocations_untagged", int64_t{0}));
  }
  if (d.contains("noisy_neighbour")) {
    const auto& n = d["noisy_neighbour"];
    const auto& o = n["others"];
    std::cout << fmt::format(
        "noisy neighbour {} ({}, {}x its share): {} requests, {} refused, {} failed, p99 {:.2f} ms\n"
        "  the other {} tenants: {} requests, {} refused, {} failed, p99 median {:.2f} ms, worst {:.2f} ms\n",
        n["tenant"].get<std::string>(), n["tier"].get<std::string>(), n["factor"].get<double>(), n["requests"].get<int64_t>(),
        n["refused"].get<int64_t>(), n["failed"].get<int64_t>(), n["p99_us"].get<int64_t>() / 1000.0,
        o["tenants"].get<int64_t>(), o["requests"].get<int64_t>(), o["refused"].get<int64_t>(), o["failed"].get<int64_t>(),
        o["median_p99_us"].get<int64_t>() / 1000.0, o["worst_p99_us"].get<int64_t>() / 1000.0);
  }
}

}  // namespace

int load(int argc, char** argv) {
  cxxopts::Options opts("tenantsim load",
                        "Drive a served system in wall-clock time: the scenario's population is set up through the API,\n"
                        "then an open-model arrival rate (constant, or ramped with --ramp-to) for --duration seconds,\n"
                        "or a closed model (--virtual-users with --think-ms). Latency is measured from each request's\n"
                        "intended send time. Exit 1 when a check fails.");
  opts.positional_help("SCENARIO");
  opts.add_options()("scenario", "scenario file (population, tier mix, faults, thresholds)", cxxopts::value<std::string>())(
      "target", "'inprocess' (a tenantsim serve started for the run) or http://HOST:PORT",
      cxxopts::value<std::string>()->default_value("inprocess"))(
      "profile", "the target's API: a shipped profile (tenantsim, seed-000) or a profile file (scenarios/SCHEMA.md)",
      cxxopts::value<std::string>()->default_value("tenantsim"))(
      "cognito", "a cognito profile's user pool endpoint: http://HOST:PORT (a fakes serve) or Cognito's",
      cxxopts::value<std::string>())(
      "cognito-region", "the user pool's region", cxxopts::value<std::string>()->default_value("us-east-1"))(
      "user-pool-id", "the user pool the target trusts (cognito profiles)", cxxopts::value<std::string>())(
      "client-id", "that pool's public app client (cognito profiles)", cxxopts::value<std::string>())(
      "fakes", "the fakes serve that is an outside target's cloud: what the target consumed there is read and priced",
      cxxopts::value<std::string>())(
      "rate", "arrivals per second at the start", cxxopts::value<double>()->default_value("100"))(
      "ramp-to", "arrivals per second at the end (a linear ramp)", cxxopts::value<double>())(
      "duration", "seconds of traffic (1..1800)", cxxopts::value<int>()->default_value("10"))(
      "connections", "keep-alive connections", cxxopts::value<int>()->default_value("16"))(
      "virtual-users", "closed model instead: this many users, each sending, waiting for the answer and thinking",
      cxxopts::value<int>())(
      "think-ms", "closed model: mean think time between a user's requests (exponential)",
      cxxopts::value<int>()->default_value("1000"))(
      "tenants", "tenants to set up (default: the scenario's, at most 50)", cxxopts::value<int>())(
      "max-requests", "a bound on the requests sent", cxxopts::value<int64_t>()->default_value("500000"))(
      "p99-ms", "fail when a tier's chat p99 exceeds this (default: the scenario's threshold)", cxxopts::value<int64_t>())(
      "noisy-factor", "a noisy neighbour: the first tenant sends this many times its fair share (the report sets it "
                      "beside the others)", cxxopts::value<double>()->default_value("1"))(
      "seed", "seed of the population and the request mix", cxxopts::value<uint64_t>())(
      "path", "GET only this path at the rate, with no population and no checks (benchmarks the driver itself)",
      cxxopts::value<std::string>())(
      "out", "report directory (default out/load-<scenario name>, or out/<name> when the name starts with load-)", cxxopts::value<std::string>())(
      "find-knee", "raise the rate by 1.5x per step of --duration s (from --rate to --ramp-to) until chat p99 passes "
                   "--p99-ms (default 250), a service throttles or requests fail; report the highest sustained rate");
  add_system_options(opts);
  add_scenario_options(opts);
  opts.parse_positional({"scenario"});
  auto args = parse(opts, argc, argv, 2);
  if (!args) return kOk;
  const bool raw = args->count("path") > 0;
  if (!args->count("scenario") && !raw) throw UsageError("a scenario file is required (or --path with --target)");
  LoadOptions lo;
  lo.target = (*args)["target"].as<std::string>();
  lo.profile = (*args)["profile"].as<std::string>();
  if (args->count("cognito")) lo.cognito_endpoint = (*args)["cognito"].as<std::string>();
  lo.cognito_region = (*args)["cognito-region"].as<std::string>();
  if (args->count("user-pool-id")) lo.user_pool_id = (*args)["user-pool-id"].as<std::string>();
  if (args->count("client-id")) lo.client_id = (*args)["client-id"].as<std::string>();
  if (args->count("fakes")) lo.fakes_url = (*args)["fakes"].as<std::string>();
  lo.rate = (*args)["rate"].as<double>();
  if (args->count("ramp-to")) lo.ramp_to = (*args)["ramp-to"].as<double>();
  lo.duration_s = (*args)["duration"].as<int>();
  lo.connections = (*args)["connections"].as<int>();
  if (args->count("virtual-users")) lo.virtual_users = (*args)["virtual-users"].as<int>();
  lo.think_ms = (*args)["think-ms"].as<int>();
  if (args->count("tenants")) lo.tenants = (*args)["tenants"].as<int>();
  lo.max_requests = (*args)["max-requests"].as<int64_t>();
  if (lo.max_requests < 1) throw UsageError("--max-requests must be at least 1");
  if (args->count("p99-ms")) lo.p99_ms = (*args)["p99-ms"].as<int64_t>();
  lo.noisy_factor = (*args)["noisy-factor"].as<double>();
  if (args->count("seed")) lo.seed = (*args)["seed"].as<uint64_t>();
  lo.defects = injected_defects(*args);
  lo.data_dir = (*args)["data-dir"].as<std::string>();
  lo.find_knee = args->count("find-knee") > 0;
  if (args->count("path")) lo.raw_path = (*args)["path"].as<std::string>();
  lo.progress = true;
  Result<LoadedScenario> loaded = LoadedScenario{};
  if (args->count("scenario")) loaded = load_scenario((*args)["scenario"].as<std::string>(), lo.data_dir, scenario_overrides(*args));
  if (!loaded.ok()) {
    std::cerr << "tenantsim load: " << loaded.error().message << "\n";
    return kUsage;
  }
  // out/load-<name>, unless the name already says so (load-smoke: out/load-smoke, not out/load-load-smoke).
  const std::string name = raw ? std::string("raw") : loaded->scenario.name;
  const std::string out = args->count("out") ? (*args)["out"].as<std::string>()
                                             : name.rfind("load-", 0) == 0 ? "out/" + name : "out/load-" + name;
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !std::filesystem::is_directory(out, ec))
    throw UsageError(fmt::format("--out {} is a file, not a directory", out));

  if (lo.find_knee && !raw && !knee_rates(lo).empty()) {
    // The search's bound before it starts: a planner should not wait on a run whose end it cannot see.
    const std::vector<double> rates = knee_rates(lo);
    std::cerr << fmt::format("find-knee: up to {} steps of {} s, {:.0f}/s to {:.0f}/s (1.5x each; at most {} s of "
                             "traffic, less when a step breaks)\n",
                             rates.size(), lo.duration_s, rates.front(), rates.back(),
                             static_cast<int64_t>(rates.size()) * lo.duration_s);
  }
  auto result = run_load(*loaded, lo);
  if (!result.ok()) {
    std::cerr << "tenantsim load: " << result.error().message << "\n";
    return result.error().kind == ErrorKind::kBadRequest ? kUsage : kEnvironment;
  }
  const RunResult& r = result->run;
  if (auto st = write_reports(out, r, result->timing); !st.ok()) {
    std::cerr << "tenantsim load: " << st.error().message << "\n";
    return kEnvironment;
  }
  if (auto st = write_file_atomically((std::filesystem::path(out) / "load.json").string(), result->details.dump(2) + "\n");
      !st.ok()) {
    std::cerr << "tenantsim load: " << st.error().message << "\n";
    return kEnvironment;
  }
  const auto& d = result->details;
  std::cout << fmt::format("{} requests in {:.1f} s ({:.0f}/s achieved, {}) against {}\n",
                           d["requests"].get<int64_t>(), result->timing.wall_seconds, d["achieved_per_s"].get<double>(),
                           lo.virtual_users ? fmt::format("{} virtual users, think {} ms", *lo.virtual_users, lo.think_ms)
                                            : fmt::format("{} connections", lo.connections),
                           d["target"].get<std::string>());
  if (d.contains("knee")) {
    for (const auto& k : d["knee"]["steps"])
      std::cout << fmt::format("  step {:>8.0f}/s asked {:>8.0f}/s achieved  chat p99 {:>8.2f} ms  {}\n", k["rate_per_s"].get<double>(),
                               k["achieved_per_s"].get<double>(), k["chat_p99_us"].get<int64_t>() / 1000.0,
                               k["held"].get<bool>() ? "held" : "did not hold");
    const auto& best = d["knee"]["highest_sustained_per_s"];
    std::cout << fmt::format("knee: {}; saturated first: {}\n",
                             best.is_null() ? std::string("not even the first step held") : fmt::format("{:.0f} requests/s", best.get<double>()),
                             d["knee"]["saturated_first"].get<std::string>());
  }
  print_summary(r, d);
  print_checks(r);
  std::cout << (r.passed() ? "PASS" : "FAIL") << "  reports in " << out << "/\n";
  return r.passed() ? kOk : kCheckFailed;
}

}  // namespace tenantsim::cli
