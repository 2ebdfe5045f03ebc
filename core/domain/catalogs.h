// The data the system is configured from: the tier table and the price catalog. Both are parsed
// from JSON documents (the harness reads the files); errors name the field.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/money.h"
#include "core/base/result.h"
#include "core/base/time.h"

namespace tenantsim {

enum class Deployment { kPool, kSilo };
enum class LimitScope { kUser, kTenant };

struct TierPolicy {
  std::string name;
  // What a tenant pays (core/domain/revenue.h): the monthly fee, plus each user beyond
  // `included_seats` at `seat_fee` a month (both prorated), plus each message of a UTC calendar
  // month beyond `included_messages` at `overage_per_message`. A zero price turns its rule off.
  Money monthly_fee;
  Money seat_fee;
  int64_t included_seats = 0;
  Money overage_per_message;
  int64_t included_messages = 0;
  int64_t daily_messages = 0;    // per message_limit_scope; 0 = unlimited
  int64_t monthly_messages = 0;  // per message_limit_scope; 0 = unlimited
  int64_t tenant_daily_messages = 0;    // optional extra cap over all users of a tenant; 0 = none
  int64_t tenant_monthly_messages = 0;  // likewise
  int concurrent_sessions = 1;   // per user
  Duration session_duration{};
  std::vector<std::string> tools;
  bool cost_reports = false;
  Deployment deployment = Deployment::kPool;
  LimitScope message_limit_scope = LimitScope::kUser;
  std::string model_id;
  // The Bedrock agent the tier's chats run on (seed 000); empty: direct model invocation, seed
  // 001's fallback when no agent is configured. Both are metered alike.
  std::string bedrock_agent_id;
  // Direct path only: an orchestrator delegating to a knowledge agent and a weather agent (seed 004).
  bool orchestrator = false;

  bool allows_tool(const std::string& t) const;
};

class TierCatalog {
 public:
  static Result<TierCatalog> from_json(const nlohmann::json& doc);
  const TierPolicy* find(const std::string& name) const;
  const std::map<std::string, TierPolicy>& tiers() const { return tiers_; }

 private:
  std::map<std::string, TierPolicy> tiers_;
};

// Usage metric types: one usage record per metric (seed 000's usage table).
namespace metric {
inline constexpr const char* kInputTokens = "bedrock_input_tokens";
inline constexpr const char* kOutputTokens = "bedrock_output_tokens";
inline constexpr const char* kInvocation = "bedrock_invocation";
// One InvokeAgent call of a Bedrock agent (its model calls are billed as the model's own).
inline constexpr const char* kAgentInvocation = "bedrock_agent_invocation";
inline constexpr const char* kWeatherCall = "weather_api_call";
inline constexpr const char* kToolExecution = "mcp_tool_execution";
// A knowledge-base retrieval, and the tokens of its query that the embedding model is billed for.
inline constexpr const char* kKbRetrieval = "knowledge_base_retrieval";
inline constexpr const char* kKbQueryTokens = "knowledge_base_query_tokens";
inline constexpr const char* kEmbeddingModel = "amazon.titan-embed-text-v2:0";
// AgentCore (seeds 002 to 004). The runtime bills the vCPUs and memory of each invocation's
// microVM by the second (1-second minimum); the gateway bills every call that reaches it.
inline constexpr const char* kRuntimeVcpuSeconds = "agentcore_runtime_vcpu_seconds";
inline constexpr const char* kRuntimeMemoryMbSeconds = "agentcore_runtime_memory_mb_seconds";
inline constexpr const char* kGatewayInvocation = "agentcore_gateway_invocation";
// Platform costs the system does not meter; priced by the harness from the fakes' ledgers.
inline constexpr const char* kDynamoReadUnit = "dynamodb_read_request_unit";
inline constexpr const char* kDynamoWriteUnit = "dynamodb_write_request_unit";
inline constexpr const char* kCognitoMau = "cognito_monthly_active_user";
// A silo tenant's dedicated resources that bill by the month whatever the traffic (its knowledge
// base's vector store, for one): one line per resource, prorated over the time the tenant held a
// silo tier, as the subscription fee is.
inline constexpr const char* kSiloFixedMonthly = "silo_fixed_monthly";
// The service a metric is billed under (seed 000's cost categories).
const char* service_of(const std::string& metric_type);
}  // namespace metric

class PriceCatalog {
 public:
  // {"name": ..., "prices": [{"metric", "model" (optional), "usd": "0.25", "per": 1000000}]}.
  // Every price must be a whole number of pico-dollars per unit, so costs are exact.
  // silo_fixed_monthly lines name a "resource" instead of a model, and are per tenant-month (per 1).
  static Result<PriceCatalog> from_json(const nlohmann::json& doc);

  const std::string& name() const { return name_; }
  // Price of one unit of `metric` for `model` (a model-specific line wins over a generic one);
  // nullopt when the catalog has no line for it.
  std::optional<Money> unit_price(const std::string& metric, const std::string& model) const;
  // quantity * unit price; zero when unpriced.
  Money cost(const std::string& metric, const std::string& model, int64_t quantity) const;
  // The silo_fixed_monthly lines: resource -> monthly price per silo tenant.
  std::map<std::string, Money> silo_fixed_monthly() const;
  // Every line: (metric, model or resource or "") -> price of one unit.
  const std::map<std::pair<std::string, std::string>, Money>& unit_prices() const { return prices_; }

 private:
  std::string name_;
  std::map<std::pair<std::string, std::string>, Money> prices_;  // (metric, model or "") -> per unit
};

// What a run of `tiers` meters that `prices` has no line for, one entry each: a metered quantity
// without a price is a cost that silently reads $0, so a catalogue must price every one (with an
// explicit "0" where that is the truth). Each tier's model is priced for tokens and invocations;
// DynamoDB request units, Cognito MAUs, the agent runtime and gateway always; the agent, weather
// and knowledge-base lines where some tier offers them.
struct MissingPrice {
  std::string tier;  // "" when every run needs the line
  std::string metric;
  std::string model;  // "" for a generic line
};
std::vector<MissingPrice> missing_prices(const TierCatalog& tiers, const PriceCatalog& prices);

}  // namespace tenantsim
