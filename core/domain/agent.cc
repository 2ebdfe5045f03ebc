#include "core/domain/agent.h"

namespace tenantsim {

namespace {
constexpr int kMaxToolRounds = 3;

// The gateway refused before the tool ran: nothing was executed or billed.
bool refused(const Error& e) {
  return e.name == "UnknownTool" || e.name == "ToolNotInTier" || e.name == "InvalidToolInput";
}
}  // namespace

Task<AgentTurn> Agent::run(TurnContext ctx, std::vector<ChatMessage> history, std::string message) {
  AgentTurn turn;
  ConverseRequest req;
  req.model_id = ctx.tier->model_id;
  req.system = "You are the assistant of tenant " + ctx.tenant->id + " (" + ctx.tier->name +
               " tier). Answer only from this tenant's conversation and tools.";
  if (!ctx.remembered.empty()) req.system += " Remembered about this user: " + ctx.remembered;
  req.messages = std::move(history);
  req.messages.push_back(ChatMessage{ChatMessage::Role::kUser, std::move(message), std::nullopt, std::nullopt});
  req.tools = gateway_.offered(*ctx.tier);
  // The defect runs every tenant on the platform's pooled account ("pool" in PlatformConfig).
  req.account = defects_.on(Defect::kSiloBilledToPoolAccount) ? std::string("pool") : ctx.tenant->model_account;
  // Bedrock's requestMetadata tags the call in the provider's own records (invocation logs, cost
  // allocation): per tenant and per user, so both can be reconciled with what the system metered.
  req.request_metadata = {{"tenant_id", ctx.tenant->id}, {"user_id", ctx.user_id}, {"request_id", ctx.request_id}};

  for (int round = 0; round <= kMaxToolRounds; ++round) {
    auto resp = co_await model_.converse(req);
    if (!resp.ok()) {
      turn.error = resp.take_error();
      co_return turn;
    }
    const int seq = round;
    UsageMeter meter(ctx, clock_, &turn.usage);
    meter.add(metric::kInvocation, 1, req.model_id, seq);
    meter.add(metric::kInputTokens, resp->usage.input_tokens, req.model_id, seq);
    meter.add(metric::kOutputTokens, resp->usage.output_tokens, req.model_id, seq);
    turn.input_tokens += resp->usage.input_tokens;
    turn.output_tokens += resp->usage.output_tokens;
    turn.trace.push_back({{"type", "model_invocation"}, {"round", round}, {"model_id", req.model_id},
                          {"stop_reason", resp->stop_reason}, {"input_tokens", resp->usage.input_tokens},
                          {"output_tokens", resp->usage.output_tokens}});

    if (resp->stop_reason != "tool_use" || !resp->output.tool_use || round == kMaxToolRounds) {
      turn.text = resp->output.text;
      co_return turn;
    }
    const ToolUse use = *resp->output.tool_use;
    req.messages.push_back(resp->output);
    auto result = co_await gateway_.invoke(ctx, use.name, use.input, clock_, &turn.usage);
    if (!result.ok() && refused(result.error())) turn.tools_refused.push_back(use.name);
    else turn.tools_used.push_back(use.name);
    const char* outcome = result.ok() ? "ok" : refused(result.error()) ? "refused" : "failed";
    turn.trace.push_back({{"type", "tool_call"}, {"round", round}, {"tool", use.name}, {"outcome", outcome},
                          {"error", result.ok() ? std::string() : result.error().name}});
    ToolResult tr{use.tool_use_id, result.ok() ? result->dump() : nlohmann::json{{"error", result.error().name}}.dump(),
                  !result.ok()};
    req.messages.push_back(ChatMessage{ChatMessage::Role::kUser, "", std::nullopt, std::move(tr)});
  }
  co_return turn;
}

}  // namespace tenantsim
