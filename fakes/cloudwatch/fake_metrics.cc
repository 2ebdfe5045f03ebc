#include "fakes/cloudwatch/fake_metrics.h"

namespace tenantsim {

void FakeMetrics::emit(ConsumptionEvent e) {
  std::lock_guard lock(mu_);
  auto& t = totals_[Key{e.tenant_id, e.tier, e.agent, e.model_id}];
  ++t.invocations;
  t.input_tokens += e.input_tokens;
  t.output_tokens += e.output_tokens;
}

std::map<FakeMetrics::Key, ConsumptionTotals> FakeMetrics::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

}  // namespace tenantsim
