#include "harness/aws/real_bedrock_agents.h"

#include <cctype>

#include "fakes/wire/base64.h"
#include "fakes/wire/event_stream.h"
#include "fakes/wire/sigv4.h"

namespace tenantsim::aws {

namespace {

using nlohmann::json;

// A round trip per function call; the fake's orchestration stops at three model calls, AWS's at
// its own limit. This bounds a service that would keep asking.
constexpr int kMaxLegs = 16;

json conversation(const std::vector<ChatMessage>& history) {
  json messages = json::array();
  for (const auto& m : history) {
    if (m.text.empty()) continue;  // tool blocks have no place in InvokeAgent's history
    messages.push_back({{"role", m.role == ChatMessage::Role::kAssistant ? "assistant" : "user"},
                        {"content", json::array({{{"text", m.text}}})}});
  }
  return messages;
}

Error unexpected(const std::string& what) { return Error::make(ErrorKind::kUnavailable, "UnexpectedAnswer", "InvokeAgent's answer " + what); }

}  // namespace

Result<AgentRef> RealBedrockAgents::agent_for(const InvokeAgentRequest& req, AwsJsonClient& client) {
  if (auto it = agents_.find(req.agent_id); it != agents_.end()) return it->second;
  if (!provision_) return AgentRef{req.agent_id, req.agent_alias_id};
  std::lock_guard lock(mu_);
  const std::pair<std::string, std::string> key{req.account, req.agent_id};
  if (auto it = provisioned_.find(key); it != provisioned_.end()) return it->second;
  auto agent = client.rest("PUT", "/agents/", json{{"agentName", req.agent_id}, {"foundationModel", req.model_id}});
  if (!agent.ok()) return agent.take_error();
  const std::string id = agent->value("agent", json::object()).value("agentId", "");
  if (id.empty()) return unexpected("of CreateAgent has no agent.agentId");
  json functions = json::array();
  for (const auto& f : req.functions) functions.push_back({{"name", f.name}, {"description", f.description}});
  if (!functions.empty()) {
    auto group = client.rest("PUT", "/agents/" + id + "/agentversions/DRAFT/actiongroups/",
                             json{{"actionGroupName", "gateway"},
                                  {"actionGroupExecutor", {{"customControl", "RETURN_CONTROL"}}},
                                  {"functionSchema", {{"functions", functions}}}});
    if (!group.ok()) return group.take_error();
  }
  auto prepared = client.rest("POST", "/agents/" + id + "/", json::object());
  if (!prepared.ok()) return prepared.take_error();
  const AgentRef ref{id, "TSTALIASID"};
  provisioned_.emplace(key, ref);
  return ref;
}

Task<InvokeAgentResponse> RealBedrockAgents::invoke_agent(InvokeAgentRequest req) {
  InvokeAgentResponse resp;
  auto client = runtime_->of(req.account);
  if (!client.ok()) {
    resp.error = client.take_error();
    co_return resp;
  }
  auto found = agent_for(req, **client);
  if (!found.ok()) {
    resp.error = found.take_error();
    co_return resp;
  }
  const AgentRef ref = *found;
  const std::string path = "/agents/" + wire::uri_encode_component(ref.agent_id) + "/agentAliases/" +
                           wire::uri_encode_component(ref.alias_id) + "/sessions/" + wire::uri_encode_component(req.session_id) +
                           "/text";
  json body = {{"inputText", req.input_text}, {"enableTrace", true}};
  body["sessionState"]["sessionAttributes"] = req.session_attributes;
  body["sessionState"]["promptSessionAttributes"] = req.prompt_session_attributes;
  if (json history = conversation(req.conversation_history); !history.empty())
    body["sessionState"]["conversationHistory"]["messages"] = std::move(history);
  for (int leg = 0; leg < kMaxLegs; ++leg) {
    auto raw = (*client)->rest_bytes("POST", path, body);
    if (!raw.ok()) {
      resp.error = raw.take_error();
      co_return resp;
    }
    auto events = wire::decode_events(*raw);
    if (!events) {
      resp.error = unexpected("is not an event stream");
      co_return resp;
    }
    std::optional<json> control;
    for (const auto& event : *events) {
      const std::string* message_type = event.header(":message-type");
      const std::string* type = event.header(message_type && *message_type == "exception" ? ":exception-type" : ":event-type");
      const json payload = json::parse(event.payload, nullptr, false);
      if (!type || payload.is_discarded()) {
        resp.error = unexpected("has an event without a type or JSON payload");
        co_return resp;
      }
      if (message_type && *message_type == "exception") {
        std::string name = *type;
        if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
        resp.error = Error::make(error_kind(name, 400), name, payload.value("message", ""));
        co_return resp;
      }
      if (*type == "trace") {
        const json trace = payload.value("trace", json::object());
        const json usage = trace.value("orchestrationTrace", json::object())
                               .value("modelInvocationOutput", json::object())
                               .value("metadata", json::object())
                               .value("usage", json());
        if (usage.is_object())
          resp.model_invocations.push_back(TokenUsage{usage.value("inputTokens", int64_t{0}), usage.value("outputTokens", int64_t{0})});
        if (req.enable_trace) resp.trace.push_back(trace);
      } else if (*type == "chunk") {
        auto bytes = wire::base64_decode(payload.value("bytes", ""));
        if (!bytes) {
          resp.error = unexpected("has a chunk that is not base64");
          co_return resp;
        }
        resp.completion += *bytes;
      } else if (*type == "returnControl") {
        control = payload;
      }
    }
    if (!control) co_return resp;
    const json inputs = control->value("invocationInputs", json::array());
    if (inputs.size() != 1 || !inputs[0].contains("functionInvocationInput")) {
      resp.error = unexpected("returned control for something other than one function");
      co_return resp;
    }
    const json call = inputs[0]["functionInvocationInput"];
    std::map<std::string, std::string> parameters;
    for (const auto& p : call.value("parameters", json::array())) parameters[p.value("name", "")] = p.value("value", "");
    if (!req.action_group) {
      resp.error = Error::make(ErrorKind::kBadRequest, "DependencyFailedException", "the agent asked for a function and no action group was given");
      co_return resp;
    }
    auto result = co_await req.action_group->execute(call.value("function", ""), std::move(parameters));
    json function_result = {{"actionGroup", call.value("actionGroup", "")}, {"function", call.value("function", "")}};
    function_result["responseBody"]["TEXT"]["body"] = result.ok() ? result->dump() : result.error().name;
    if (!result.ok()) function_result["responseState"] = "FAILURE";
    body = {{"enableTrace", true},
            {"sessionState",
             {{"invocationId", control->value("invocationId", "")},
              {"returnControlInvocationResults", json::array({{{"functionResult", function_result}}})}}}};
  }
  resp.error = unexpected("kept returning control (" + std::to_string(kMaxLegs) + " round trips)");
  co_return resp;
}

}  // namespace tenantsim::aws
