// The step every fault decorator (harness/faults/) puts before the call it decorates: the call's
// time on the wire from the plan's latency model for `units`, slept on the world's clock, then the
// plan's verdict: the service's transient error (`error_name`, HTTP 5xx, retryable) when the plan
// fails the call, else nothing and the call goes through.
#pragma once

#include <optional>

#include "core/base/result.h"
#include "core/base/task.h"
#include "core/ports/clock.h"
#include "fakes/common/faults.h"

namespace tenantsim {

inline Task<std::optional<Error>> fault_gate(Clock& clock, FaultInjector& faults, int64_t units, const char* error_name) {
  if (const Duration d = faults.latency(units); d.count() > 0) co_await sleep_for(clock, d);
  if (!faults.should_fail(clock.now())) co_return std::nullopt;
  co_return Error::make(ErrorKind::kUnavailable, error_name, "injected fault");
}

}  // namespace tenantsim
