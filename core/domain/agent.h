// Agent: one chat turn. Sends the conversation to the model with the tools the tenant's tier
// offers, runs the tool calls the model asks for through the tool gateway (which decides from the
// verified caller, so neither the model nor a prompt can reach a tool the tier lacks or another
// tenant's data), and returns the answer with a
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
#include "core/domain/tool_gateway.h"
#include "core/ports/clock.h"
#include "core/ports/agent_service.h"
#include "core/ports/model_runtime.h"
#include "core/ports/weather_api.h"

namespace tenantsim {

struct SubAgent;  // an orchestrator's delegate (agent.cc)

// The direct path's top agent, as the trace and the consumption events name it (its sub-agents
// carry their roles).
inline constexpr const char* kAssistantAgent = "assistant";

// One step of a turn, as Bedrock's enableTrace reports it (in small): a model call, a tool request
// with its outcome, or an orchestrator's delegation to a sub-agent. The API layer writes it as JSON.
struct TraceStep {
  enum class Kind { kModelInvocation, kToolCall, kDelegation };
  Kind kind = Kind::kModelInvocation;
  std::string agent;     // the (sub-)agent's role on the direct path
  std::string agent_id;  // the Bedrock agent, on the agent path ("" on the direct path)
  int round = 0;
  std::string model_id;
  std::string stop_reason;  // direct path
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::string tool;     // kToolCall
  std::string outcome;  // kToolCall and kDelegation: "ok", "refused" or "failed"
  std::string error;    // kToolCall: the error's name when it did not run well
};

struct AgentTurn {
  std::string text;
  std::vector<UsageRecord> usage;
  std::vector<std::string> tools_used;     // tools that ran (and were billed)
  std::vector<std::string> tools_refused;  // tools the model asked for that the gateway refused
  // Bedrock's enableTrace, in small: each model call and each tool request with its outcome.
  std::vector<TraceStep> trace;
  int64_t delegations = 0;  // sub-agent runs of an orchestrator turn
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::optional<Error> error;  // set when the turn failed; usage still lists what was consumed
};

class Agent {
 public:
  Agent(ModelRuntime& model, AgentService& agents, ToolGateway& gateway, Clock& clock, const DefectSet& defects)
      : model_(model), agents_(agents), gateway_(gateway), clock_(clock), defects_(defects) {}

  // On the tier's Bedrock agent when it has one (seed 000), else the direct model loop (seed
  // 001's fallback). Either way the same usage records, tools and trace come back.
  Task<AgentTurn> run(TurnContext ctx, std::vector<ChatMessage> history, std::string message);

  ToolGateway& gateway() const { return gateway_; }

 private:
  Task<AgentTurn> run_direct(TurnContext ctx, std::vector<ChatMessage> history, std::string message);
  // The model loop of one agent (the assistant, the orchestrator or a sub-agent): model calls,
  // tool calls through the gateway, sub-agent calls; returns its final text. Model usage is
  // metered with sequence numbers from seq_base.
  Task<std::string> converse_loop(const TurnContext& ctx, ConverseRequest req, int seq_base, const char* agent,
                                  AgentTurn* turn);
  Task<Result<nlohmann::json>> delegate(const TurnContext& ctx, const SubAgent& sub, ToolUse use, AgentTurn* turn);
  Task<AgentTurn> run_on_agent(TurnContext ctx, std::vector<ChatMessage> history, std::string message);
  // The request's account: the tenant's own, or (the defect) the pooled one for everyone.
  std::string account_of(const TurnContext& ctx) const;
  // One gateway call for the model, recorded in the turn (used or refused, and the trace).
  Task<Result<nlohmann::json>> call_tool(const TurnContext& ctx, ToolUse use, int round, AgentTurn* turn);

  ModelRuntime& model_;
  AgentService& agents_;
  ToolGateway& gateway_;
  Clock& clock_;
  const DefectSet& defects_;
};

}  // namespace tenantsim
