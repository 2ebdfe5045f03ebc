// FakeMetrics: CloudWatch as the consumption events' destination. It keeps the events summed as the
// one query the seed runs over them groups them (Logs Insights' "stats count(*), sum(input_tokens),
// sum(output_tokens) by tenant_id, tier, agent, model_id"), in memory bounded by the groups, not
// the events: the harness's evidence of what tenant context the system put on its model calls.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "core/ports/consumption.h"

namespace tenantsim {

struct ConsumptionTotals {
  int64_t invocations = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  friend bool operator==(const ConsumptionTotals&, const ConsumptionTotals&) = default;
};

class FakeMetrics final : public ConsumptionSink {
 public:
  void emit(ConsumptionEvent event) override;

  // (tenant_id, tier, agent, model_id) -> totals; an event without a tenant is under "".
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, ConsumptionTotals> totals() const;

 private:
  mutable std::mutex mu_;
  std::map<Key, ConsumptionTotals> totals_;
};

}  // namespace tenantsim
