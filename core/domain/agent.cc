#include "core/domain/agent.h"

namespace tenantsim {

namespace {
constexpr int kMaxToolRounds = 3;

struct ToolInfo {
  const char* name;
  const char* description;
  WeatherKind kind;
};
constexpr ToolInfo kTools[] = {
    {"get_current_weather", "Current weather for a city", WeatherKind::kCurrent},
    {"get_weather_forecast", "Weather forecast for the next days for a city", WeatherKind::kForecast},
    {"get_weather_alerts", "Active weather alerts for a city", WeatherKind::kAlerts},
};
}  // namespace

std::vector<ToolSpec> Agent::tools_for(const TierPolicy& tier) const {
  std::vector<ToolSpec> out;
  for (const auto& t : kTools)
    if (tier.allows_tool(t.name) || defects_.on(Defect::kToolsNotGated)) out.push_back({t.name, t.description});
  return out;
}

UsageRecord Agent::record(const TurnContext& ctx, const char* metric, int64_t value, const std::string& model,
                          int seq) const {
  UsageRecord r;
  r.tenant_id = ctx.tenant->id;
  r.user_id = ctx.user_id;
  r.session_id = ctx.session_id;
  r.request_id = ctx.request_id;
  r.metric_type = metric;
  r.value = value;
  r.model_id = model;
  r.timestamp = clock_.now();
  r.seq = seq;
  return r;
}

Task<Result<nlohmann::json>> Agent::run_tool(TurnContext ctx, std::string tool,
                                             std::map<std::string, std::string> input,
                                             std::vector<UsageRecord>* usage) {
  const ToolInfo* info = nullptr;
  for (const auto& t : kTools)
    if (tool == t.name) info = &t;
  if (!info) co_return Error::make(ErrorKind::kNotFound, "UnknownTool", "no such tool: " + tool);
  if (!ctx.tier->allows_tool(tool) && !defects_.on(Defect::kToolsNotGated))
    co_return Error::make(ErrorKind::kForbidden, "ToolNotInTier",
                          "tool " + tool + " is not available on the " + ctx.tier->name + " tier");
  auto city = input.find("city");
  if (city == input.end() || city->second.empty() || city->second.size() > 100)
    co_return Error::make(ErrorKind::kBadRequest, "InvalidToolInput", "tool input needs a city (1-100 characters)");
  const int seq = static_cast<int>(usage->size());
  // The tool ran even if the weather call fails: the execution is billed either way.
  usage->push_back(record(ctx, metric::kToolExecution, 1, "", seq));
  WeatherQuery query{weather_key_, city->second, info->kind, 3};
  auto data = co_await weather_.fetch(std::move(query));
  if (!data.ok()) co_return data.take_error();
  usage->push_back(record(ctx, metric::kWeatherCall, 1, "", seq));
  co_return data;
}

Task<AgentTurn> Agent::run(TurnContext ctx, std::vector<ChatMessage> history, std::string message) {
  AgentTurn turn;
  ConverseRequest req;
  req.model_id = ctx.tier->model_id;
  req.system = "You are the assistant of tenant " + ctx.tenant->id + " (" + ctx.tier->name +
               " tier). Answer only from this tenant's conversation and tools.";
  if (!ctx.remembered.empty()) req.system += " Remembered about this user: " + ctx.remembered;
  req.messages = std::move(history);
  req.messages.push_back(ChatMessage{ChatMessage::Role::kUser, std::move(message), std::nullopt, std::nullopt});
  req.tools = tools_for(*ctx.tier);
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
    turn.usage.push_back(record(ctx, metric::kInvocation, 1, req.model_id, seq));
    turn.usage.push_back(record(ctx, metric::kInputTokens, resp->usage.input_tokens, req.model_id, seq));
    turn.usage.push_back(record(ctx, metric::kOutputTokens, resp->usage.output_tokens, req.model_id, seq));
    turn.input_tokens += resp->usage.input_tokens;
    turn.output_tokens += resp->usage.output_tokens;

    if (resp->stop_reason != "tool_use" || !resp->output.tool_use || round == kMaxToolRounds) {
      turn.text = resp->output.text;
      co_return turn;
    }
    const ToolUse use = *resp->output.tool_use;
    req.messages.push_back(resp->output);
    auto result = co_await run_tool(ctx, use.name, use.input, &turn.usage);
    turn.tools_used.push_back(use.name);
    ToolResult tr{use.tool_use_id, result.ok() ? result->dump() : nlohmann::json{{"error", result.error().name}}.dump(),
                  !result.ok()};
    req.messages.push_back(ChatMessage{ChatMessage::Role::kUser, "", std::nullopt, std::move(tr)});
  }
  co_return turn;
}

}  // namespace tenantsim
