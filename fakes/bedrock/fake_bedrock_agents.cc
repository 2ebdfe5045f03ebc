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
  InvokeAgentResponse resp;
  if (req.agent_id.empty() || req.session_id.empty() || req.session_id.size() > 100 || req.input_text.empty()) {
    resp.error = Error::make(ErrorKind::kBadRequest, "ValidationException",
                             "agentId, a sessionId of 1-100 characters and inputText are required");
    co_return resp;
  }
  {
    std::lock_guard lock(mu_);
    ledger_.invocations[{req.agent_id, attribute(req.session_attributes, "tenant_id")}] += 1;
    ledger_.session_ids.insert(req.session_id);
  }
  ConverseRequest call;
  call.model_id = req.model_id;
  call.account = req.account;
  call.system = "You are Bedrock agent " + req.agent_id + ".";
  for (const auto& [k, v] : req.prompt_session_attributes) call.system += " " + k + ": " + v + ".";
  call.messages = std::move(req.conversation_history);
  call.messages.push_back(ChatMessage{ChatMessage::Role::kUser, req.input_text, std::nullopt, std::nullopt});
  call.tools = req.functions;
  call.request_metadata = {{"tenant_id", attribute(req.session_attributes, "tenant_id")},
                           {"user_id", attribute(req.session_attributes, "user_id")},
                           {"request_id", attribute(req.session_attributes, "request_id")}};
  for (int step = 0; step < kMaxSteps; ++step) {
    auto out = co_await model_.converse(call);
    if (!out.ok()) {
      resp.error = out.take_error();
      co_return resp;
    }
    resp.model_invocations.push_back(out->usage);
    if (req.enable_trace) {
      nlohmann::json usage = {{"inputTokens", out->usage.input_tokens}, {"outputTokens", out->usage.output_tokens}};
      nlohmann::json step_trace;
      step_trace["orchestrationTrace"]["modelInvocationOutput"]["metadata"]["usage"] = std::move(usage);
      resp.trace.push_back(std::move(step_trace));
    }
    if (out->stop_reason != "tool_use" || !out->output.tool_use || step + 1 == kMaxSteps || !req.action_group) {
      resp.completion = out->output.text;
      co_return resp;
    }
    const ToolUse use = *out->output.tool_use;
    call.messages.push_back(out->output);
    auto result = co_await req.action_group->execute(use.name, use.input);
    if (req.enable_trace) {
      nlohmann::json step_trace;
      step_trace["orchestrationTrace"]["invocationInput"]["actionGroupInvocationInput"] = {{"function", use.name},
                                                                                           {"ok", result.ok()}};
      resp.trace.push_back(std::move(step_trace));
    }
    ToolResult tr{use.tool_use_id,
                  result.ok() ? result->dump() : nlohmann::json{{"error", result.error().name}}.dump(), !result.ok()};
    call.messages.push_back(ChatMessage{ChatMessage::Role::kUser, "", std::nullopt, std::move(tr)});
  }
  co_return resp;
}

AgentsLedger FakeBedrockAgents::ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

}  // namespace tenantsim
