// ToolGateway: the one door between the agent and its tools (AgentCore Gateway with an
// interceptor, seeds 003 and 004). The model's tool request is untrusted input: a jailbroken model
// or an injected prompt can name any tool and put anything in its arguments. So the gateway
// decides from the verified caller (TurnContext, built from the token and the tenant directory)
// alone: the tool must be one the caller's tier offers (403 ToolNotInTier otherwise, whatever the
// model asked for), and every tool takes the tenant and the user from the context, never from its
// input. Each tool meters what it consumed, including the calls made before it failed.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/defects.h"
#include "core/domain/catalogs.h"
#include "core/domain/metering.h"
#include "core/domain/tenants.h"
#include "core/ports/clock.h"
#include "core/ports/knowledge_base.h"
#include "core/ports/model_runtime.h"
#include "core/ports/weather_api.h"

namespace tenantsim {

// Who a turn runs for: every field comes from the verified token and the tenant directory.
struct TurnContext {
  const Tenant* tenant = nullptr;
  const TierPolicy* tier = nullptr;
  std::string user_id;
  std::string session_id;
  std::string request_id;
  std::string remembered;  // long-term memory of this actor, from earlier sessions
};

// Appends usage records of one turn, stamped with the caller and the clock.
class UsageMeter {
 public:
  UsageMeter(const TurnContext& ctx, Clock& clock, std::vector<UsageRecord>* out)
      : ctx_(ctx), clock_(clock), out_(out) {}
  void add(const char* metric, int64_t value, const std::string& model, int seq);
  int next_seq() const { return static_cast<int>(out_->size()); }

 private:
  const TurnContext& ctx_;
  Clock& clock_;
  std::vector<UsageRecord>* out_;
};

using ToolInput = std::map<std::string, std::string>;

class Tool {
 public:
  virtual ~Tool() = default;
  virtual const ToolSpec& spec() const = 0;
  // Weather tools are also served on /api/mcp/weather (seed 000's MCP server).
  virtual bool weather() const { return false; }
  // Runs for ctx's tenant and user. `input` is the model's (untrusted) arguments.
  virtual Task<Result<nlohmann::json>> run(TurnContext ctx, ToolInput input, UsageMeter* meter) = 0;
};

// One call through the gateway.
struct ToolCall {
  Result<nlohmann::json> result;
  // No tool ran and nothing was billed but the gateway's own call: the interceptor refused the
  // tool (unknown, not in the tier) or the tool turned its input down before doing anything.
  bool refused = false;
};

// How a call came to the tools. AgentCore Gateway bills each call that reaches it (refused ones
// too); seed 000's MCP weather server is the sample's own and bills nothing per call.
enum class ToolRoute { kAgentCoreGateway, kMcpServer };

class ToolGateway {
 public:
  explicit ToolGateway(const DefectSet& defects) : defects_(defects) {}
  void add(std::unique_ptr<Tool> tool);

  // The tools the tier offers, as the model sees them (in registration order).
  std::vector<ToolSpec> offered(const TierPolicy& tier) const;
  bool is_weather_tool(const std::string& name) const;

  // The interceptor, then the tool. kNotFound "UnknownTool", kForbidden "ToolNotInTier", or the
  // tool's own result. Usage goes to *usage even when the tool fails, the gateway's own call
  // first (on kAgentCoreGateway, refused or not).
  Task<ToolCall> invoke(TurnContext ctx, std::string tool, ToolInput input, Clock& clock,
                        std::vector<UsageRecord>* usage, ToolRoute route);
  // One call to the gateway that is not a tool's (tools/list): billed like a tool call.
  static void bill_gateway_call(UsageMeter& meter);

 private:
  Tool* find(const std::string& name) const;
  const DefectSet& defects_;
  std::vector<std::unique_ptr<Tool>> tools_;
};

// OpenWeatherMap behind the three weather tools; the platform's API key, one call per use.
std::unique_ptr<Tool> make_weather_tool(WeatherKind kind, WeatherApi& api, std::string api_key);
// Retrieve over the tenant's knowledge base (the pooled one, filtered to the tenant, or its own).
std::unique_ptr<Tool> make_knowledge_base_tool(KnowledgeBase& kb, const DefectSet& defects);

}  // namespace tenantsim
