// The load run's judge: `tenantsim run`'s oracle (scenarios/oracle.h) over what the driver saw, and
// in process over the system's metering and the fakes' ledgers (harness/evidence.h); and each
// --find-knee step's own verdict. No sockets here: the driver (load_run.cc) gathers, this judges.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/time.h"
#include "harness/http/served_system.h"
#include "harness/load/load_plan.h"
#include "harness/load/onboarding.h"
#include "harness/load/target_profile.h"
#include "harness/run.h"
#include "reports/histogram.h"
#include "reports/run_result.h"
#include "scenarios/oracle.h"

namespace tenantsim::load {

// A check of the catalog, by name, ready to judge.
CheckResult catalog_check(const char* name);

// One step of --find-knee: chat latency, failures, and which shared service throttled.
struct KneeStep {
  LatencyHistogram chat;
  int64_t errors = 0;
  std::map<std::string, int64_t> throttled_by;  // service -> 429s
  std::string why;  // empty: the step held
};

// The service whose configured latency (the scenario's fault plans) alone brings a chat to
// `p99_limit_us`, described; "" when none does.
std::string configured_latency_blame(const std::map<std::string, FaultPlan>& plans, int64_t p99_limit_us);

// A step held when nothing throttled, at most 1% failed and chat p99 stayed within `p99_limit_us`;
// else `why` names what broke first.
KneeStep judge_step(const std::vector<Planned>& plan, const std::vector<Outcome>& out, int64_t p99_limit_us,
                    const std::map<std::string, FaultPlan>& plans);

// What an in-process run adds: the system's own metering and the providers' ledgers.
struct LoadEvidence {
  std::map<std::string, Oracle::Metered> metered;
  Oracle::Ledgers ledgers;
  size_t unwritten = 0;  // usage records the system still held when serving ended
};

// Reads the in-process system's usage tables and the fakes' ledgers once serving is over.
// REQUIRES: served.wait() has returned.
LoadEvidence read_evidence(ServedSystem& served, const std::vector<LoadTenant>& tenants, size_t unwritten);

struct LoadJudgement {
  const LoadedScenario& loaded;
  const std::vector<LoadTenant>& tenants;
  const std::vector<LoadUser>& users;
  const std::vector<Planned>& plan;  // at_us from `origin`
  const std::vector<Outcome>& out;
  Steady::time_point origin;
  Time origin_time;             // `origin` on the system's clock
  size_t past_capacity_from;    // requests from this index on were sent past the knee (SIZE_MAX: none)
  std::optional<int64_t> p99_ms;
  const std::map<std::string, LatencyHistogram>& chat_by_tier;  // 2xx chats, wall-clock
  const std::optional<LoadEvidence>& evidence;
  const TargetProfile& profile;                  // what the target's answers and refusals look like
  const std::vector<SignUpProbe>& sign_up_probes;
};

// The load's checks, by run's oracle: what its traffic exercises, and the ledger checks in process.
Result<std::vector<CheckResult>> judge_load(const LoadJudgement& j);

}  // namespace tenantsim::load
