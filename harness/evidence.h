// Evidence for the oracle, read the same way by every mode that has the system in process (`run`
// in virtual time, `load` against an in-process `serve`): what the system metered for a tenant,
// from its own usage tables, and what the providers and the control plane recorded. One reading,
// so a check that reconciles them judges `run` and `load` alike.
#pragma once

#include <string>
#include <vector>

#include "core/domain/metering.h"
#include "harness/cloud_ledgers.h"
#include "scenarios/oracle.h"

namespace tenantsim {

class World;

// A tenant's usage as the system priced it over all time, in the oracle's terms.
Oracle::Metered metered_of(const CostSummary& all);

// The ledgers of `cloud` (the world's fakes, or a `fakes serve`'s), the model accounts the control
// plane provisioned for `tenant_ids`, the faults the harness injected and the consumption events
// the metrics store grouped, in the oracle's terms.
Oracle::Ledgers oracle_ledgers(const World& w, const CloudLedgers& cloud, const std::vector<std::string>& tenant_ids);

}  // namespace tenantsim
