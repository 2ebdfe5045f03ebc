#include "core/domain/agent.h"

#include <functional>

namespace tenantsim {

namespace {
constexpr int kMaxToolRounds = 3;
}  // namespace

std::string Agent::account_of(const TurnContext& ctx) const {
  // The defect runs every tenant on the platform's pooled account ("pool" in PlatformConfig).
  return defects_.on(Defect::kSiloBilledToPoolAccount) ? std::string("pool") : ctx.tenant->model_account;
}

Task<Result<nlohmann::json>> Agent::call_tool(const TurnContext& ctx, ToolUse use, int round, AgentTurn* turn) {
  ToolCall call = co_await gateway_.invoke(ctx, use.name, use.input, clock_, &turn->usage, ToolRoute::kAgentCoreGateway);
  if (call.refused) turn->tools_refused.push_back(use.name);
  else turn->tools_used.push_back(use.name);
  const char* outcome = call.result.ok() ? "ok" : call.refused ? "refused" : "failed";
  TraceStep step;
  step.kind = TraceStep::Kind::kToolCall;
  step.round = round;
  step.tool = use.name;
  step.outcome = outcome;
  if (!call.result.ok()) step.error = call.result.error().name;
  turn->trace.push_back(std::move(step));
  co_return std::move(call.result);
}

Task<AgentTurn> Agent::run(TurnContext ctx, std::vector<ChatMessage> history, std::string message) {
  if (!ctx.tier->bedrock_agent_id.empty()) co_return co_await run_on_agent(std::move(ctx), std::move(history), std::move(message));
  co_return co_await run_direct(std::move(ctx), std::move(history), std::move(message));
}

namespace {
// The action group of one turn: every function the agent's model picks goes through the gateway
// with the turn's verified context; the sessionAttributes the agent passes along are not read.
class GatewayActionGroup final : public ActionGroup {
 public:
  using Call = std::function<Task<Result<nlohmann::json>>(ToolUse)>;
  explicit GatewayActionGroup(Call call) : call_(std::move(call)) {}
  Task<Result<nlohmann::json>> execute(std::string function, std::map<std::string, std::string> parameters) override {
    ToolUse use{"", std::move(function), std::move(parameters)};  // a named local: GCC 12 and braced temporaries in co_await
    auto call = call_(std::move(use));
    co_return co_await std::move(call);
  }

 private:
  Call call_;
};
}  // namespace

Task<AgentTurn> Agent::run_on_agent(TurnContext ctx, std::vector<ChatMessage> history, std::string message) {
  AgentTurn turn;
  int round = 0;
  GatewayActionGroup actions([&](ToolUse use) { return call_tool(ctx, std::move(use), round++, &turn); });
  InvokeAgentRequest req;
  req.agent_id = ctx.tier->bedrock_agent_id;
  // Seed 000's session id. Our session ids are random, so it cannot collide across tenants.
  req.session_id = ctx.tenant->id + "-" + ctx.user_id + "-" + ctx.session_id;
  if (req.session_id.size() > 100) req.session_id = ctx.tenant->id + "-" + ctx.session_id;
  req.input_text = std::move(message);
  req.account = account_of(ctx);
  req.model_id = ctx.tier->model_id;
  req.session_attributes = {{"tenant_id", ctx.tenant->id}, {"user_id", ctx.user_id},
                            {"subscription_tier", ctx.tier->name}, {"request_id", ctx.request_id}};
  req.prompt_session_attributes = {{"tenant_context", ctx.tenant->id + " " + ctx.tier->name + " user"}};
  if (!ctx.remembered.empty()) req.prompt_session_attributes["remembered"] = ctx.remembered;
  req.conversation_history = std::move(history);
  req.functions = gateway_.offered(*ctx.tier);
  req.action_group = &actions;
  InvokeAgentResponse resp = co_await agents_.invoke_agent(std::move(req));
  // The call itself, when the agent took it (a request it refused as invalid was not an invocation).
  if (!resp.error || !resp.error->is(ServiceError::kValidation)) {
    UsageMeter meter(ctx, clock_, &turn.usage);
    meter.add(metric::kAgentInvocation, 1, ctx.tier->bedrock_agent_id, 0);
  }
  // Meter from the trace's usage, one record set per model invocation, failed turns included.
  for (size_t i = 0; i < resp.model_invocations.size(); ++i) {
    const TokenUsage& u = resp.model_invocations[i];
    UsageMeter meter(ctx, clock_, &turn.usage);
    const int seq = static_cast<int>(i);
    meter.add(metric::kInvocation, 1, ctx.tier->model_id, seq);
    meter.add(metric::kInputTokens, u.input_tokens, ctx.tier->model_id, seq);
    meter.add(metric::kOutputTokens, u.output_tokens, ctx.tier->model_id, seq);
    turn.input_tokens += u.input_tokens;
    turn.output_tokens += u.output_tokens;
    TraceStep step;
    step.round = static_cast<int>(i);
    step.model_id = ctx.tier->model_id;
    step.agent_id = ctx.tier->bedrock_agent_id;
    step.input_tokens = u.input_tokens;
    step.output_tokens = u.output_tokens;
    turn.trace.push_back(std::move(step));
  }
  turn.text = std::move(resp.completion);
  turn.error = std::move(resp.error);
  co_return turn;
}

// Seed 004's orchestrator delegates to a knowledge-base agent and a tool agent. Each sub-agent is
// offered to the orchestrator only when the tier has a tool it would use, and sees only those.
struct SubAgent {
  const char* name;
  const char* description;
  const char* role;
  bool weather;  // its tools: the gateway's weather tools, or the others (the knowledge base)
};

namespace {
constexpr SubAgent kSubAgents[] = {
    {"ask_knowledge_agent", "Ask the knowledge agent about this organisation's documents", "knowledge agent", false},
    {"ask_weather_agent", "Ask the weather agent about current weather, forecasts and alerts", "weather agent", true},
};
const SubAgent* sub_agent(const std::string& name) {
  for (const auto& a : kSubAgents)
    if (name == a.name) return &a;
  return nullptr;
}
std::vector<ToolSpec> covered(const ToolGateway& gateway, const std::vector<ToolSpec>& tools, const SubAgent& a) {
  std::vector<ToolSpec> out;
  for (const auto& t : tools)
    if (gateway.is_weather_tool(t.name) == a.weather) out.push_back(t);
  return out;
}
}  // namespace

Task<AgentTurn> Agent::run_direct(TurnContext ctx, std::vector<ChatMessage> history, std::string message) {
  AgentTurn turn;
  ConverseRequest req;
  req.model_id = ctx.tier->model_id;
  req.system = "You are the assistant of tenant " + ctx.tenant->id + " (" + ctx.tier->name +
               " tier). Answer only from this tenant's conversation and tools.";
  if (!ctx.remembered.empty()) req.system += " Remembered about this user: " + ctx.remembered;
  req.messages = std::move(history);
  req.messages.push_back(ChatMessage{ChatMessage::Role::kUser, std::move(message), std::nullopt, std::nullopt});
  req.tools = gateway_.offered(*ctx.tier);
  if (ctx.tier->orchestrator) {
    const std::vector<ToolSpec> tools = std::move(req.tools);
    req.tools.clear();
    for (const auto& a : kSubAgents)
      if (!covered(gateway_, tools, a).empty()) req.tools.push_back({a.name, a.description});
  }
  req.account = account_of(ctx);
  // Bedrock's requestMetadata tags the call in the provider's own records (invocation logs, cost
  // allocation): per tenant and per user, so both can be reconciled with what the system metered.
  req.request_metadata = {{"tenant_id", ctx.tenant->id}, {"user_id", ctx.user_id}, {"request_id", ctx.request_id}};
  turn.text = co_await converse_loop(ctx, std::move(req), 0, kAssistantAgent, &turn);
  co_return turn;
}

Task<std::string> Agent::converse_loop(const TurnContext& ctx, ConverseRequest req, int seq_base, const char* agent,
                                       AgentTurn* turn) {
  for (int round = 0; round <= kMaxToolRounds; ++round) {
    auto resp = co_await model_.converse(req);
    if (!resp.ok()) {
      if (!turn->error) turn->error = resp.take_error();
      co_return std::string();
    }
    const int seq = seq_base + round;
    if (!defects_.on(Defect::kFallbackNotMetered)) {
      UsageMeter meter(ctx, clock_, &turn->usage);
      meter.add(metric::kInvocation, 1, req.model_id, seq);
      meter.add(metric::kInputTokens, resp->usage.input_tokens, req.model_id, seq);
      meter.add(metric::kOutputTokens, resp->usage.output_tokens, req.model_id, seq);
    }
    turn->input_tokens += resp->usage.input_tokens;
    turn->output_tokens += resp->usage.output_tokens;
    TraceStep step;
    step.agent = agent;
    step.round = round;
    step.model_id = req.model_id;
    step.stop_reason = resp->stop_reason;
    step.input_tokens = resp->usage.input_tokens;
    step.output_tokens = resp->usage.output_tokens;
    turn->trace.push_back(std::move(step));

    if (resp->stop_reason != "tool_use" || !resp->output.tool_use || round == kMaxToolRounds) co_return resp->output.text;
    const ToolUse use = *resp->output.tool_use;
    req.messages.push_back(resp->output);
    Result<nlohmann::json> result = nlohmann::json();
    if (const SubAgent* sub = sub_agent(use.name)) {
      auto delegated = co_await delegate(ctx, *sub, use, turn);
      result = std::move(delegated);
    } else {
      auto called = co_await call_tool(ctx, use, round, turn);
      result = std::move(called);
    }
    ToolResult tr{use.tool_use_id, result.ok() ? result->dump() : nlohmann::json{{"error", result.error().name}}.dump(),
                  !result.ok()};
    req.messages.push_back(ChatMessage{ChatMessage::Role::kUser, "", std::nullopt, std::move(tr)});
    if (turn->error) co_return std::string();  // a sub-agent's model failed: so did the turn
  }
  co_return std::string();
}

Task<Result<nlohmann::json>> Agent::delegate(const TurnContext& ctx, const SubAgent& sub, ToolUse use, AgentTurn* turn) {
  // The same gate as a tool: a sub-agent the tier has no tool for is refused, whoever asked.
  const std::vector<ToolSpec> tools = covered(gateway_, gateway_.offered(*ctx.tier), sub);
  const bool offered = ctx.tier->orchestrator && !tools.empty();
  TraceStep step;
  step.kind = TraceStep::Kind::kDelegation;
  step.agent = sub.role;
  step.outcome = offered ? "ok" : "refused";
  turn->trace.push_back(std::move(step));
  if (!offered) {
    turn->tools_refused.push_back(use.name);
    co_return Error::make(ErrorKind::kForbidden, "AgentNotInTier", std::string(sub.name) + " is not available on this tier");
  }
  ConverseRequest req;
  req.model_id = ctx.tier->model_id;
  // The defect names the model without its version suffix ("...-v1" for "...-v1:0"): an id Bedrock refuses.
  if (defects_.on(Defect::kSubAgentModelUnversioned)) req.model_id = req.model_id.substr(0, req.model_id.rfind(':'));
  req.system = std::string("You are the ") + sub.role + " of tenant " + ctx.tenant->id + ".";
  const auto question = use.input.find("question");
  req.messages.push_back(ChatMessage{ChatMessage::Role::kUser,
                                     question == use.input.end() ? std::string("?") : question->second, std::nullopt,
                                     std::nullopt});
  req.tools = tools;
  req.account = account_of(ctx);
  req.request_metadata = {{"tenant_id", ctx.tenant->id}, {"user_id", ctx.user_id}, {"request_id", ctx.request_id}};
  // Sub-agents' model calls get their own sequence numbers, so no usage record overwrites another.
  const int seq_base = 100 * static_cast<int>(++turn->delegations);
  std::string answer = co_await converse_loop(ctx, std::move(req), seq_base, sub.role, turn);
  co_return nlohmann::json{{"agent", sub.role}, {"answer", answer}};
}

}  // namespace tenantsim
