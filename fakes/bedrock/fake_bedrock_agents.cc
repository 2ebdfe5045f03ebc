#include "fakes/bedrock/fake_bedrock_agents.h"

namespace tenantsim {

namespace {
constexpr int kMaxSteps = 3;

std::string attribute(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}
}  // namespace

Task<InvokeAgentResponse> FakeBedrockAgents::invoke_agent(InvokeAgentRequest req) {
  ActionGroup* group = req.action_group;
  AgentInvocation turn;
  turn.functions_callable = group != nullptr;
  turn.request = std::move(req);
  co_await begin(turn);
  while (turn.pending && !turn.done) {
    auto result = co_await group->execute(turn.pending->name, turn.pending->input);
    co_await resume(turn, std::move(result));
  }
  co_return std::move(turn.response);
}

Task<void> FakeBedrockAgents::begin(AgentInvocation& turn) {
  const InvokeAgentRequest& req = turn.request;
  if (req.agent_id.empty() || req.session_id.empty() || req.session_id.size() > 100 || req.input_text.empty()) {
    turn.response.error = Error::make(ErrorKind::kBadRequest, "ValidationException",
                                      "agentId, a sessionId of 1-100 characters and inputText are required");
    turn.done = true;
    co_return;
  }
  {
    std::lock_guard lock(mu_);
    ledger_.invocations[{req.agent_id, attribute(req.session_attributes, "tenant_id")}] += 1;
    ledger_.session_ids.insert(req.session_id);
  }
  ConverseRequest& call = turn.call;
  call.model_id = req.model_id;
  call.account = req.account;
  call.system = "You are Bedrock agent " + req.agent_id + ".";
  for (const auto& [k, v] : req.prompt_session_attributes) call.system += " " + k + ": " + v + ".";
  call.messages = req.conversation_history;
  call.messages.push_back(ChatMessage{ChatMessage::Role::kUser, req.input_text, std::nullopt, std::nullopt});
  call.tools = req.functions;
  call.request_metadata = {{"tenant_id", attribute(req.session_attributes, "tenant_id")},
                           {"user_id", attribute(req.session_attributes, "user_id")},
                           {"request_id", attribute(req.session_attributes, "request_id")}};
  co_await run_steps(turn);
}

Task<void> FakeBedrockAgents::run_steps(AgentInvocation& turn) {
  while (turn.step < kMaxSteps) {
    auto out = co_await model_.converse(turn.call);
    if (!out.ok()) {
      turn.response.error = out.take_error();
      turn.done = true;
      co_return;
    }
    ++turn.step;
    turn.response.model_invocations.push_back(out->usage);
    if (turn.request.enable_trace) {
      nlohmann::json usage = {{"inputTokens", out->usage.input_tokens}, {"outputTokens", out->usage.output_tokens}};
      nlohmann::json step_trace;
      step_trace["orchestrationTrace"]["modelInvocationOutput"]["metadata"]["usage"] = std::move(usage);
      turn.response.trace.push_back(std::move(step_trace));
    }
    if (out->stop_reason != "tool_use" || !out->output.tool_use || turn.step == kMaxSteps || !turn.functions_callable) {
      turn.response.completion = out->output.text;
      turn.done = true;
      co_return;
    }
    turn.pending = *out->output.tool_use;
    turn.call.messages.push_back(out->output);
    co_return;
  }
  turn.done = true;
}

Task<void> FakeBedrockAgents::resume(AgentInvocation& turn, Result<nlohmann::json> result) {
  if (!turn.pending || turn.done) co_return;
  const ToolUse use = *turn.pending;
  turn.pending.reset();
  if (turn.request.enable_trace) {
    nlohmann::json step_trace;
    step_trace["orchestrationTrace"]["invocationInput"]["actionGroupInvocationInput"] = {{"function", use.name},
                                                                                         {"ok", result.ok()}};
    turn.response.trace.push_back(std::move(step_trace));
  }
  ToolResult tr{use.tool_use_id, result.ok() ? result->dump() : nlohmann::json{{"error", result.error().name}}.dump(),
                !result.ok()};
  turn.call.messages.push_back(ChatMessage{ChatMessage::Role::kUser, "", std::nullopt, std::move(tr)});
  co_await run_steps(turn);
}

AgentsLedger FakeBedrockAgents::ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

}  // namespace tenantsim
