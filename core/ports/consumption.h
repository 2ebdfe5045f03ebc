// ConsumptionSink: where the system sends one event per model invocation, stamped with its tenant
// context (seed 004's observability: "inject tenant context into every consumption event", then
// "group by tenant ID" to find the cost of each tenant, tier and agent). On AWS this is a
// CloudWatch custom metric in the embedded metric format, written to the log stream and shipped
// asynchronously: emitting never waits and never fails the request, so the port is synchronous
// and returns nothing.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/time.h"

namespace tenantsim {

struct ConsumptionEvent {
  std::string tenant_id;  // from the verified token, as every layer's
  std::string tier;       // the tenant's tier when the turn ran
  std::string agent;      // the agent that made the call: the assistant, a sub-agent, or a Bedrock agent's id
  std::string model_id;
  std::string user_id;
  std::string request_id;
  std::string region;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  Time timestamp{};
};

class ConsumptionSink {
 public:
  virtual ~ConsumptionSink() = default;
  // Thread-safe. Must not block.
  virtual void emit(ConsumptionEvent event) = 0;
};

}  // namespace tenantsim
