// FaultyModelRuntime: a scenario's `faults.bedrock` plan at a ModelRuntime port, around the
// in-process model fake, our client against `fakes serve`, or Bedrock alike (see
// faulty_database.h for the shape). A failed call is Bedrock's ServiceUnavailableException (503),
// answered at once and never reaching the model: the model's ledger counts only the invocations
// it served. A served call then takes the plan's latency, per_unit for each output token, as a
// model's generation does. Two decorators may share one injector: the system's model port and the
// one the in-process Bedrock Agents fake orchestrates on, so both follow one plan and one seed.
#pragma once

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
  ModelRuntime& inner_;
};

}  // namespace tenantsim
