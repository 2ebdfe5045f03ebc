// FaultyDatabase: a scenario's DynamoDB fault plan applied at the system's Database port, around
// whichever implementation serves it: the in-process fake, our client against `fakes serve`, or
// DynamoDB itself. The same plan gives the same kind of faults wherever the tables are (LevelDB's
// EnvWrapper shape: forward everything, change one thing), and the fake keeps only the service's
// own behaviour (capacity, conditions, scopes).
//
// Each table call first spends its time on the wire, from the plan's latency model (base, jitter,
// spikes, and per_unit for each KB of the items the call writes), on the world's clock; then it
// fails with InternalServerError (HTTP 500, retryable) at the plan's error rate or inside an
// outage, without reaching the table; else it goes through. Decisions come from the decorator's own
// seeded Rng, so a run replays from its seed. Creating and dropping tables is not faulted: that is
// set-up, not the scenario.
#pragma once

#include <string>

#include "core/base/rng.h"
#include "core/ports/table_wrapper.h"
#include "harness/faults/fault_gate.h"

namespace tenantsim {

class FaultyDatabase final : public DatabaseWrapper, public FaultGate {
 public:
  // `inner` must outlive this object and the tables it opens.
  FaultyDatabase(Database& inner, Clock& clock, Rng rng)
      : DatabaseWrapper(inner), FaultGate(clock, std::make_shared<FaultInjector>(rng)) {}

  // The table under the same plan, which a later set_plan changes too.
  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override;
};

}  // namespace tenantsim
