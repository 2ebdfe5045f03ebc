// FaultGate: what every fault decorator of harness/faults/ is made of: a fault plan (its injector,
// which decorators may share), the world's clock, and the step each puts before the call it
// decorates: the call's time on the wire from the plan's latency model for `units`, slept on that
// clock, then the plan's verdict: the service's transient error (`error_name`, HTTP 5xx, retryable)
// when the plan fails the call, else nothing and the call goes through.
#pragma once

#include <memory>
#include <optional>

#include "core/base/result.h"
#include "core/base/task.h"
#include "core/ports/clock.h"
#include "fakes/common/faults.h"

namespace tenantsim {

class FaultGate {
 public:
  // `clock` must outlive this object.
  FaultGate(Clock& clock, std::shared_ptr<FaultInjector> faults) : clock_(clock), faults_(std::move(faults)) {}

  // Takes effect for every decorator sharing the injector.
  void set_plan(FaultPlan plan) { faults_->set_plan(std::move(plan)); }
  // See FaultInjector::fail_call.
  void fail_call(std::optional<uint64_t> calls_from_now) { faults_->fail_call(calls_from_now); }
  uint64_t injected_failures() const { return faults_->injected_failures(); }
  std::vector<InjectedFault> injected_between(Time from, Time to) const { return faults_->injected_between(from, to); }

 protected:
  Task<std::optional<Error>> pass(int64_t units, const char* error_name) {
    if (const Duration d = faults_->latency(units); d.count() > 0) co_await sleep_for(clock_, d);
    co_return verdict(error_name);
  }
  // The plan's verdict alone, for a call whose time on the wire nobody waits for.
  std::optional<Error> verdict(const char* error_name) {
    if (!faults_->should_fail(clock_.now())) return std::nullopt;
    return Error::make(ErrorKind::kUnavailable, error_name, "injected fault");
  }

  Clock& clock_;
  std::shared_ptr<FaultInjector> faults_;
};

}  // namespace tenantsim
