// One scenario run in virtual time, end to end: load and validate the scenario, build the World,
// onboard the population, drive it, ask the oracle, and return the results as plain data.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "core/base/defects.h"
#include "core/base/result.h"
#include "reports/run_result.h"
#include "fakes/common/faults.h"
#include "scenarios/overrides.h"
#include "scenarios/scenario.h"
#include "harness/port_overrides.h"

namespace tenantsim {

namespace aws {
class FakesLink;
}

// A scenario with the documents it configures the system from (tier overrides applied).
struct LoadedScenario {
  Scenario scenario;
  std::map<std::string, FaultPlan> fault_plans;  // by service, parsed (and so validated) once
  nlohmann::json tiers_doc;
  nlohmann::json prices_doc;
  std::vector<std::string> overrides;  // the --set edits applied, as given ("population.tenants=500")

  // The services whose fault plan injects errors (an error rate or outages), not latency alone.
  std::set<std::string> faulted_services() const;
};

// Reads `path`, applies `overrides` (--set) to the document, and validates it against the tier
// table in `data_dir`. On failure, the error message lists every problem as "path: reason", one
// per line. prices_file may name a catalog of data_dir, or "published" (prices-on-demand.json) or
// "seed" (prices-seed-000.json).
Result<LoadedScenario> load_scenario(const std::string& path, const std::string& data_dir,
                                     const std::vector<ScenarioOverride>& overrides = {});

class Database;

struct RunOptions {
  std::optional<uint64_t> seed;  // overrides the scenario's
  DefectSet defects;
  bool progress = false;  // a progress line on stderr
  RequestSink* requests = nullptr;  // receives every request as it completes
  PortOverrides ports;               // services not on the in-process fakes (WorldOptions::ports)
  // The `fakes serve` those services are (harness/aws/fakes_link.h): the run drives it on its
  // virtual clock, configures it from the scenario, and reads its ledgers for the oracle.
  aws::FakesLink* fakes_link = nullptr;
};

class World;
// Applies the scenario's fault plans and capacity what-ifs to the world's fakes.
void configure_services(World& world, const LoadedScenario& loaded);

// The same, for a `fakes serve` that is the run's cloud (its /_fake/configure): the model's
// behaviour, Bedrock's quotas and the weather key's rate. The fault plans need no hook: they apply
// at the run's own ports (harness/faults/).
nlohmann::json remote_settings(const LoadedScenario& loaded, const std::string& weather_api_key);

Result<RunResult> run_scenario(const LoadedScenario& loaded, const RunOptions& options);

}  // namespace tenantsim
