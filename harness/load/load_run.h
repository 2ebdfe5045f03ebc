// A wall-clock load run (`tenantsim load`): set a population up through the API of any server that
// implements the seed API (ours in process, or a URL), drive it with an open-model arrival rate
// (constant or ramped) over keep-alive connections, or a closed model (virtual users with think
// time), measure latency from each request's intended send time (wrk2's rule, so a stalled server
// cannot hide its stall: no coordinated omission), and judge it with `tenantsim run`'s oracle
// (scenarios/oracle.h): every request's intended send and answer in time order, and in process the
// system's metering against the fakes' ledgers (harness/evidence.h), so a check holds in both.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/base/defects.h"
#include "harness/run.h"
#include "reports/run_result.h"

namespace tenantsim {

struct LoadOptions {
  std::string target = "inprocess";  // or "http://HOST:PORT"
  // The target's API (harness/load/target_profile.h): a shipped profile's name or a file.
  std::string profile = "tenantsim";
  // The Cognito user pool a `cognito` profile makes its users on (the one the target trusts).
  std::string cognito_endpoint, cognito_region = "us-east-1", user_pool_id, client_id;
  // The `fakes serve` that is an outside target's cloud: what the target consumed there during the
  // traffic is read from its ledger and priced (load.json "provider_usage").
  std::string fakes_url;
  double rate = 100;                 // requests per second at the start
  std::optional<double> ramp_to;     // linear ramp to this rate by the end
  int duration_s = 10;
  int connections = 16;
  // Closed model instead of the open one: this many virtual users, each on its own connection,
  // sending, waiting for the answer, then thinking for an exponential time of mean think_ms.
  std::optional<int> virtual_users;
  int think_ms = 1000;
  std::optional<int> tenants;        // population size (default: the scenario's, at most 50)
  std::optional<uint64_t> seed;      // overrides the scenario's (population, request mix)
  int64_t max_requests = 500'000;    // a hard bound on what a run sends
  std::optional<int64_t> p99_ms;     // chat p99 threshold (default: the scenario's)
  // Steps of `duration_s` each, from `rate` up by 1.5x to `ramp_to`, until chat p99 passes p99_ms
  // (default 250), a shared service throttles or requests fail: the highest sustained rate and what
  // saturated first go to load.json ("knee").
  bool find_knee = false;
  // A noisy neighbour: the first tenant's users send this many times their fair share of the
  // open-model arrivals (1: none). The report sets that tenant beside the others (p99, refusals).
  double noisy_factor = 1;
  // GET this path only, at the open-model rate, against --target: no population, no checks. For
  // measuring the driver itself against a reference client (bench/http_bench.sh).
  std::optional<std::string> raw_path;
  DefectSet defects;                 // in process only
  std::string data_dir;
  bool progress = false;             // a progress line on stderr (TTY only)
};

struct LoadResult {
  RunResult run;            // checks, latency per endpoint and tier, tenants, refusals: the usual reports
  RunTiming timing;
  nlohmann::json details;   // load.json: throughput per second, p50..p99.9 and max, per-tenant p99
};

// The rates --find-knee tries, in order: from --rate by 1.5x each, up to --ramp-to (default 64x
// --rate), at most 16 steps of --duration s each. The search stops at the first step that breaks.
std::vector<double> knee_rates(const LoadOptions& options);

// kBadRequest for bad options or target, kUnavailable when the target cannot be reached or set up.
Result<LoadResult> run_load(const LoadedScenario& loaded, const LoadOptions& options);

}  // namespace tenantsim
