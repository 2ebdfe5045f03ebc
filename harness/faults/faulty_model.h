// FaultyModelRuntime: a scenario's `faults.bedrock` plan at a ModelRuntime port, around the
// in-process model fake, our client against `fakes serve`, or Bedrock alike (see
// faulty_database.h for the shape). A failed call is Bedrock's ServiceUnavailableException (503),
// answered at once and never reaching the model: the model's ledger counts only the invocations
// it served. A served call then takes the plan's latency, per_unit for each output token, as a
// model's generation does. Two decorators may share one injector: the system's model port and the
// one the in-process Bedrock Agents fake orchestrates on, so both follow one plan and one seed.
// Each injected failure is journalled with the request's tenant and user tags, and whether the
// request (its requestMetadata request_id) had been served any call before it.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

#include "core/ports/model_runtime.h"
#include "harness/faults/fault_gate.h"

namespace tenantsim {

class FaultyModelRuntime final : public ModelRuntime, public FaultGate {
 public:
  // `inner` must outlive this object.
  FaultyModelRuntime(ModelRuntime& inner, Clock& clock, std::shared_ptr<FaultInjector> faults)
      : FaultGate(clock, std::move(faults)), inner_(inner) {}

  Task<Result<ConverseResponse>> converse(ConverseRequest request) override;

 private:
  static constexpr size_t kRememberedRequests = 4096;  // far more than are ever in flight at once

  bool served_before(const std::string& request_id);
  void remember_served(const std::string& request_id);

  ModelRuntime& inner_;
  std::mutex mu_;
  std::unordered_set<std::string> served_;  // request ids served a call, the most recent ones
  std::deque<std::string> served_order_;
};

}  // namespace tenantsim
