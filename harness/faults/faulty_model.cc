#include "harness/faults/faulty_model.h"

namespace tenantsim {

namespace {
std::string tag(const ConverseRequest& r, const char* key) {
  const auto it = r.request_metadata.find(key);
  return it == r.request_metadata.end() ? std::string() : it->second;
}
}  // namespace

bool FaultyModelRuntime::served_before(const std::string& request_id) {
  std::lock_guard lock(mu_);
  return served_.count(request_id) > 0;
}

void FaultyModelRuntime::remember_served(const std::string& request_id) {
  std::lock_guard lock(mu_);
  if (!served_.insert(request_id).second) return;
  served_order_.push_back(request_id);
  if (served_order_.size() > kRememberedRequests) {
    served_.erase(served_order_.front());
    served_order_.pop_front();
  }
}

Task<Result<ConverseResponse>> FaultyModelRuntime::converse(ConverseRequest request) {
  const std::string request_id = tag(request, "request_id");
  InjectedFault who{{}, tag(request, "tenant_id"), tag(request, "user_id"),
                    !request_id.empty() && !served_before(request_id)};
  if (faults_->should_fail(clock_.now(), std::move(who)))
    co_return Error::make(ErrorKind::kUnavailable, "ServiceUnavailableException", "injected fault");
  auto served = co_await inner_.converse(std::move(request));
  if (served.ok()) {
    if (!request_id.empty()) remember_served(request_id);
    if (const Duration d = faults_->latency(served->usage.output_tokens); d.count() > 0) co_await sleep_for(clock_, d);
  }
  co_return served;
}

}  // namespace tenantsim
