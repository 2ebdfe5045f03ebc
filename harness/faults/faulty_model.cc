#include "harness/faults/faulty_model.h"

namespace tenantsim {

Task<Result<ConverseResponse>> FaultyModelRuntime::converse(ConverseRequest request) {
  if (faults_->should_fail(clock_.now()))
    co_return Error::make(ErrorKind::kUnavailable, "ServiceUnavailableException", "injected fault");
  auto served = co_await inner_.converse(std::move(request));
  if (served.ok())
    if (const Duration d = faults_->latency(served->usage.output_tokens); d.count() > 0) co_await sleep_for(clock_, d);
  co_return served;
}

}  // namespace tenantsim
