// Fault injection and latency for a fake, configured from data (the scenario's `faults` section or
// a profile file). Off unless configured. Decisions come from the fake's seeded Rng, so a failing
// run replays from its seed.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/base/rng.h"
#include "core/base/time.h"

namespace tenantsim {

struct OutageWindow {
  Time start{};
  Time end{};  // exclusive
};

struct LatencyModel {
  Duration base{0};          // fixed part of every call
  Duration jitter{0};        // uniform extra in [0, jitter]
  Duration per_unit{0};      // per output token (Bedrock) or per KB (DynamoDB)
  double spike_probability = 0;
  Duration spike{0};
};

struct FaultPlan {
  double error_rate = 0;  // share of calls that fail with the service's transient error
  std::vector<OutageWindow> outages;
  LatencyModel latency;
};

// Parses {"error_rate": 0.01, "outages": [{"start": ISO, "end": ISO}], "latency": {"base_ms": 5,
// "jitter_ms": 2, "per_unit_us": 10, "spike_probability": 0.001, "spike_ms": 500}}.
// Errors name the field.
Result<FaultPlan> parse_fault_plan(const nlohmann::json& j, const std::string& where);

// One failure the plan injected: when, and (where the decorator knows it) for whom. `before_output`
// says the call was the first of its request (Bedrock's requestMetadata request_id): nothing of the
// request had been served yet, so the system has consumed nothing it must bill or count.
struct InjectedFault {
  Time at{};
  std::string tenant, user;
  bool before_output = false;
};

// Thread-safe decisions over a FaultPlan. It keeps a journal of the failures it injected (the most
// recent kJournalSize), so the harness can tell which failure a request met: its own faults are
// the one thing about a failed request it knows for sure.
class FaultInjector {
 public:
  static constexpr size_t kJournalSize = 4096;

  explicit FaultInjector(Rng rng) : rng_(rng) {}
  void set_plan(FaultPlan plan);
  // True when this call should fail (error rate, or inside an outage window). A failure goes to
  // the journal with `who` (its time set to `now`).
  bool should_fail(Time now, InjectedFault who = {});
  // Fails the call `calls_from_now` calls from now (0: the next one) whatever the plan says, once;
  // nullopt disarms it. The harness walks a multi-step operation through a failure at each of its
  // steps in turn this way (FoundationDB's BUGGIFY, aimed).
  void fail_call(std::optional<uint64_t> calls_from_now);
  // Latency for a call of `units` units (0 when no latency is configured).
  Duration latency(int64_t units);
  uint64_t injected_failures() const;
  // The journal's failures injected in [from, to], oldest first.
  std::vector<InjectedFault> injected_between(Time from, Time to) const;

 private:
  mutable std::mutex mu_;
  Rng rng_;
  FaultPlan plan_;
  uint64_t injected_ = 0;
  std::optional<uint64_t> fail_in_;  // calls left before the aimed failure
  std::vector<InjectedFault> journal_;  // a ring of kJournalSize, next write at injected_ % size
};

}  // namespace tenantsim
