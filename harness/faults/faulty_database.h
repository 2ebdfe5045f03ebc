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

#include <memory>
#include <string>

#include "core/base/rng.h"
#include "core/ports/clock.h"
#include "core/ports/table.h"
#include "fakes/common/faults.h"

namespace tenantsim {

class FaultyDatabase final : public Database {
 public:
  // `inner` and `clock` must outlive this object and the tables it opens.
  FaultyDatabase(Database& inner, Clock& clock, Rng rng);

  // Takes effect for every table already open too.
  void set_plan(FaultPlan plan) { faults_->set_plan(std::move(plan)); }
  uint64_t injected_failures() const { return faults_->injected_failures(); }

  Status create_table(TableSchema schema) override { return inner_.create_table(std::move(schema)); }
  Status delete_table(const std::string& name) override { return inner_.delete_table(name); }
  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override;

 private:
  Database& inner_;
  Clock& clock_;
  std::shared_ptr<FaultInjector> faults_;
};

}  // namespace tenantsim
