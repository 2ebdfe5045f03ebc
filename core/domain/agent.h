// Agent: one chat turn. Sends the conversation to the model with the tools the tenant's tier
// allows, runs the tool calls the model asks for through the tool gateway (which checks the tier
// again, so a model or prompt cannot reach a tool the tier lacks), and returns the answer with a
// usage record for every model call, weather call and tool execution, including the calls made
// before a failure: usage is never lost because a later step failed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/auth/principal.h"
#include "core/base/defects.h"
#include "core/domain/catalogs.h"
#include "core/domain/metering.h"
#include "core/domain/tenants.h"
#include "core/ports/clock.h"
#include "core/ports/model_runtime.h"
#include "core/ports/weather_api.h"

namespace tenantsim {

struct TurnContext {
  const Tenant* tenant = nullptr;
  const TierPolicy* tier = nullptr;
  std::string user_id;
  std::string session_id;
  std::string request_id;
  std::string remembered;  // long-term memory of this actor, from earlier sessions
};

struct AgentTurn {
  std::string text;
  std::vector<UsageRecord> usage;
  std::vector<std::string> tools_used;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::optional<Error> error;  // set when the turn failed; usage still lists what was consumed
};

class Agent {
 public:
  Agent(ModelRuntime& model, WeatherApi& weather, Clock& clock, const DefectSet& defects, std::string weather_api_key)
      : model_(model), weather_(weather), clock_(clock), defects_(defects), weather_key_(std::move(weather_api_key)) {}

  Task<AgentTurn> run(TurnContext ctx, std::vector<ChatMessage> history, std::string message);

  // The tool gateway: runs `tool` for the tenant if its tier allows it (kForbidden "ToolNotInTier"
  // otherwise), appending usage records to `usage`. Returns the tool's JSON result.
  Task<Result<nlohmann::json>> run_tool(TurnContext ctx, std::string tool, std::map<std::string, std::string> input,
                                        std::vector<UsageRecord>* usage);

  // The tools the tier offers, as the model sees them.
  std::vector<ToolSpec> tools_for(const TierPolicy& tier) const;

 private:
  UsageRecord record(const TurnContext& ctx, const char* metric, int64_t value, const std::string& model, int seq) const;

  ModelRuntime& model_;
  WeatherApi& weather_;
  Clock& clock_;
  const DefectSet& defects_;
  std::string weather_key_;
};

}  // namespace tenantsim
