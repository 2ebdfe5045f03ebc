#include "fakes/bedrock/agents_wire.h"

#include <fmt/format.h>

#include "core/base/time.h"
#include "fakes/bedrock/converse_wire.h"
#include "fakes/wire/base64.h"

namespace tenantsim::agents_wire {

namespace {

using nlohmann::json;
using namespace rest_json;  // this file is one of its services

constexpr std::string_view kRoot = "/agents/";
constexpr const char* kTestAlias = "TSTALIASID";
constexpr size_t kMaxWaiting = 4096;

std::vector<std::string> parts_of(const std::string& path) { return path_parts(path, kRoot); }

InvokeReply refused(Reply r) {
  InvokeReply out;
  out.error = std::move(r);
  return out;
}

// AWS's session id shape: 2-100 of [0-9a-zA-Z._:-].
bool valid_session_id(const std::string& id) {
  if (id.size() < 2 || id.size() > 100) return false;
  return id.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._:-") == std::string::npos;
}

std::map<std::string, std::string> string_map(const json* j) {
  std::map<std::string, std::string> out;
  if (!j || !j->is_object()) return out;
  for (const auto& [k, v] : j->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

// The function result a client returned, as the action group's answer to the model.
Result<json> function_result(const json& result) {
  const json* body = member(result, "responseBody");
  const json* text = body ? member(*body, "TEXT") : nullptr;
  const std::string answer = text ? string_member(*text, "body") : "";
  const std::string state = string_member(result, "responseState");
  // A failed function's body names its error, which the model is shown (as in process).
  if (state == "FAILURE" || state == "REPROMPT")
    return Error::make(ErrorKind::kUnavailable, answer.empty() ? "FunctionFailed" : answer, "the function failed");
  json parsed = json::parse(answer, nullptr, false);
  if (parsed.is_discarded()) return json(answer);
  return parsed;
}

}  // namespace

AgentsApi::AgentsApi(FakeBedrockAgents& agents, Runner run, std::function<int64_t()> now_ms)
    : agents_(agents), run_(std::move(run)), now_ms_(std::move(now_ms)) {}

bool AgentsApi::serves(const std::string& path) { return path.starts_with(kRoot) || path == "/agents"; }

bool AgentsApi::is_invoke(const std::string& method, const std::string& path) {
  const auto parts = parts_of(path);
  return method == "POST" && parts.size() == 6 && parts[1] == "agentAliases" && parts[3] == "sessions" && parts[5] == "text";
}

std::string AgentsApi::timestamp() const { return to_iso8601(Time{std::chrono::milliseconds(now_ms_())}); }

std::string AgentsApi::name_of(const std::string& agent_id) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(agent_id);
  return it == by_id_.end() ? std::string() : it->second.summary.value("agentName", "");
}

Reply AgentsApi::call(const std::string& method, const std::string& path, const json& body, const std::string& account,
                      const std::string& region) {
  if (!body.is_object()) return invalid("the request body must be a JSON object");
  const auto parts = parts_of(path);
  std::lock_guard lock(mu_);
  if (parts.empty() && method == "PUT") return create_agent(body, account, region);
  if (parts.empty()) return fail(404, "UnknownOperationException", fmt::format("this fake serves no {} {}", method, path));
  auto agent = by_id_.find(parts[0]);
  if (agent == by_id_.end() || agent->second.account != account) return not_found("agent " + parts[0]);
  if (parts.size() == 1 && method == "POST") {
    agent->second.summary["agentStatus"] = "PREPARED";
    return Reply{202, json{{"agentId", parts[0]}, {"agentStatus", "PREPARED"}, {"agentVersion", "DRAFT"}, {"preparedAt", timestamp()}}, "",
                 true};
  }
  if (parts.size() == 4 && parts[1] == "agentversions" && parts[3] == "actiongroups" && method == "PUT") {
    if (parts[2] != "DRAFT") return invalid("action groups are created on the DRAFT version");
    return create_action_group(agent->second, parts[0], body);
  }
  if (parts.size() == 2 && parts[1] == "agentaliases" && method == "PUT") return create_alias(agent->second, parts[0], body);
  return fail(404, "UnknownOperationException", fmt::format("this fake serves no {} {}", method, path));
}

Reply AgentsApi::create_agent(const json& body, const std::string& account, const std::string& region) {
  const std::string name = string_member(body, "agentName");
  if (!valid_name(name)) return invalid("agentName must match ([0-9a-zA-Z][_-]?){1,100}");
  const std::string model = string_member(body, "foundationModel");
  if (model.empty()) return invalid("foundationModel is required: the fake's agents orchestrate on a model");
  for (const auto& [id, a] : by_id_)
    if (a.account == account && a.summary.value("agentName", "") == name) return fail(409, "ConflictException", "an agent named " + name + " exists");
  const std::string id = derived_id("agent/" + account + "/" + name);
  if (by_id_.count(id)) return fail(409, "ConflictException", "agent id " + id + " is taken");
  const std::string now = timestamp();
  json summary = {{"agentId", id},
                  {"agentName", name},
                  {"agentArn", fmt::format("arn:aws:bedrock:{}:{}:agent/{}", region, account, id)},
                  {"agentVersion", "DRAFT"},
                  {"agentStatus", "NOT_PREPARED"},
                  {"foundationModel", model},
                  {"idleSessionTTLInSeconds", body.value("idleSessionTTLInSeconds", 600)},
                  {"createdAt", now},
                  {"updatedAt", now}};
  for (const char* optional : {"instruction", "description", "agentResourceRoleArn"})
    if (body.contains(optional)) summary[optional] = body[optional];
  by_id_[id] = Agent{account, summary, model, {}, {}};
  return Reply{202, json{{"agent", summary}}, "", true};
}

Reply AgentsApi::create_action_group(Agent& agent, const std::string& agent_id, const json& body) {
  const std::string name = string_member(body, "actionGroupName");
  if (!valid_name(name)) return invalid("actionGroupName must match ([0-9a-zA-Z][_-]?){1,100}");
  const json* executor = member(body, "actionGroupExecutor");
  if (!executor || string_member(*executor, "customControl") != "RETURN_CONTROL")
    return invalid("actionGroupExecutor: this fake runs RETURN_CONTROL action groups only (a Lambda is not callable here)");
  const json* schema = member(body, "functionSchema");
  const json* functions = schema ? member(*schema, "functions") : nullptr;
  if (!functions || !functions->is_array() || functions->empty())
    return invalid("functionSchema.functions is required (apiSchema is not served by this fake)");
  std::vector<Function> added;
  for (const auto& f : *functions) {
    const std::string fname = string_member(f, "name");
    if (!valid_name(fname)) return invalid("each function needs a name matching ([0-9a-zA-Z][_-]?){1,100}");
    for (const auto& existing : agent.functions)
      if (existing.spec.name == fname) return fail(409, "ConflictException", "function " + fname + " is in action group " + existing.action_group);
    added.push_back(Function{name, ToolSpec{fname, string_member(f, "description")}});
  }
  agent.functions.insert(agent.functions.end(), added.begin(), added.end());
  const std::string now = timestamp();
  json group = {{"agentId", agent_id},
                {"agentVersion", "DRAFT"},
                {"actionGroupId", derived_id("group/" + agent_id + "/" + name)},
                {"actionGroupName", name},
                {"actionGroupExecutor", *executor},
                {"functionSchema", *schema},
                {"actionGroupState", "ENABLED"},
                {"createdAt", now},
                {"updatedAt", now}};
  return Reply{200, json{{"agentActionGroup", group}}, "", true};
}

Reply AgentsApi::create_alias(Agent& agent, const std::string& agent_id, const json& body) {
  const std::string name = string_member(body, "agentAliasName");
  if (!valid_name(name)) return invalid("agentAliasName must match ([0-9a-zA-Z][_-]?){1,100}");
  for (const auto& [id, existing] : agent.aliases)
    if (existing == name) return fail(409, "ConflictException", "an alias named " + name + " exists");
  const std::string id = derived_id("alias/" + agent_id + "/" + name);
  agent.aliases[id] = name;
  const std::string now = timestamp();
  return Reply{202,
               json{{"agentAlias",
                     {{"agentId", agent_id}, {"agentAliasId", id}, {"agentAliasName", name},
                      {"agentAliasArn", agent.summary.value("agentArn", "") + "-alias/" + id}, {"agentAliasStatus", "PREPARED"},
                      {"routingConfiguration", json::array({{{"agentVersion", "DRAFT"}}})}, {"createdAt", now}, {"updatedAt", now}}}},
               "", true};
}

InvokeReply AgentsApi::invoke(const std::string& path, const json& body, const std::string& account) {
  const auto parts = parts_of(path);  // agent, agentAliases, alias, sessions, session, text
  if (!body.is_object()) return refused(invalid("the request body must be a JSON object"));
  std::lock_guard lock(mu_);
  auto agent = by_id_.find(parts[0]);
  if (agent == by_id_.end() || agent->second.account != account) return refused(not_found("agent " + parts[0]));
  if (parts[2] != kTestAlias && !agent->second.aliases.count(parts[2])) return refused(not_found("agent alias " + parts[2]));
  const std::string& session = parts[4];
  if (!valid_session_id(session)) return refused(invalid("sessionId must be 2-100 characters of [0-9a-zA-Z._:-]"));
  const std::string key = account + "/" + parts[0] + "/" + session;
  const json* state = member(body, "sessionState");
  const json* results = state ? member(*state, "returnControlInvocationResults") : nullptr;
  if (results) {
    auto waiting = waiting_.find(key);
    if (waiting == waiting_.end()) return refused(invalid("no invocation of this session is waiting for function results"));
    const std::string invocation = state ? string_member(*state, "invocationId") : "";
    if (!invocation.empty() && invocation != waiting->second.invocation_id)
      return refused(invalid("invocationId " + invocation + " is not the invocation waiting for results"));
    if (!results->is_array() || results->size() != 1 || !member((*results)[0], "functionResult"))
      return refused(invalid("returnControlInvocationResults must hold the one functionResult asked for"));
    const json& result = (*results)[0]["functionResult"];
    const ToolUse& pending = *waiting->second.turn.pending;
    if (string_member(result, "function") != pending.name)
      return refused(invalid("the functionResult is for " + string_member(result, "function") + ", the agent asked for " + pending.name));
    Waiting w = std::move(waiting->second);
    waiting_.erase(waiting);
    std::erase(waiting_order_, key);
    auto go = [](FakeBedrockAgents& agents, AgentInvocation* turn, Result<json> r) -> Task<void> {
      co_await agents.resume(*turn, std::move(r));
    };
    run_(go(agents_, &w.turn, function_result(result)));
    return stream(key, std::move(w), agent->second);
  }
  Waiting w;
  InvokeAgentRequest& req = w.turn.request;
  req.agent_id = parts[0];
  req.agent_alias_id = parts[2];
  req.session_id = session;
  req.input_text = string_member(body, "inputText");
  req.account = account;
  req.model_id = agent->second.model;
  req.session_attributes = string_map(state ? member(*state, "sessionAttributes") : nullptr);
  req.prompt_session_attributes = string_map(state ? member(*state, "promptSessionAttributes") : nullptr);
  const json* history = state ? member(*state, "conversationHistory") : nullptr;
  const json* messages = history ? member(*history, "messages") : nullptr;
  for (const auto& m : messages && messages->is_array() ? *messages : json::array()) {
    std::string text;
    for (const auto& block : m.value("content", json::array())) text += string_member(block, "text");
    const auto role = string_member(m, "role") == "assistant" ? ChatMessage::Role::kAssistant : ChatMessage::Role::kUser;
    req.conversation_history.push_back(ChatMessage{role, text, std::nullopt, std::nullopt});
  }
  for (const auto& f : agent->second.functions) req.functions.push_back(f.spec);
  req.enable_trace = body.value("enableTrace", false);
  w.turn.functions_callable = !req.functions.empty();
  waiting_.erase(key);  // a new input ends an invocation the client abandoned
  std::erase(waiting_order_, key);
  auto go = [](FakeBedrockAgents& agents, AgentInvocation* turn) -> Task<void> { co_await agents.begin(*turn); };
  run_(go(agents_, &w.turn));
  return stream(key, std::move(w), agent->second);
}

InvokeReply AgentsApi::stream(const std::string& key, Waiting w, const Agent& agent) {
  AgentInvocation& turn = w.turn;
  InvokeReply out;
  if (turn.response.error && w.trace_sent == 0) {
    const Error& e = *turn.response.error;
    out.error = fail(bedrock_wire::http_status(e.name), e.name, e.message);
    return out;
  }
  const auto& request = turn.request;
  out.session_id = request.session_id;
  for (size_t i = w.trace_sent; i < turn.response.trace.size(); ++i)
    out.events.emplace_back("trace", json{{"agentId", request.agent_id},
                                          {"agentAliasId", request.agent_alias_id},
                                          {"agentVersion", "DRAFT"},
                                          {"sessionId", request.session_id},
                                          {"eventTime", timestamp()},
                                          {"trace", turn.response.trace[i]}});
  w.trace_sent = turn.response.trace.size();
  if (turn.response.error) {
    // A failure after events were sent is an exception event in the stream, as AWS sends it.
    const Error& e = *turn.response.error;
    std::string type = e.name;
    if (!type.empty()) type[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(type[0])));
    out.events.emplace_back(type, json{{"message", e.message}});
    return out;
  }
  if (turn.pending && !turn.done) {
    std::string group;
    for (const auto& f : agent.functions)
      if (f.spec.name == turn.pending->name) group = f.action_group;
    json parameters = json::array();
    for (const auto& [name, value] : turn.pending->input) parameters.push_back({{"name", name}, {"type", "string"}, {"value", value}});
    w.invocation_id = fmt::format("tenantsim-invocation-{:016x}", ++invocations_);
    out.events.emplace_back("returnControl",
                            json{{"invocationId", w.invocation_id},
                                 {"invocationInputs", json::array({{{"functionInvocationInput",
                                                                     {{"actionGroup", group},
                                                                      {"function", turn.pending->name},
                                                                      {"parameters", parameters},
                                                                      {"actionInvocationType", "RESULT"},
                                                                      {"agentId", request.agent_id}}}}})}});
    if (waiting_order_.size() >= kMaxWaiting) {
      waiting_.erase(waiting_order_.front());
      waiting_order_.pop_front();
    }
    waiting_order_.push_back(key);
    waiting_[key] = std::move(w);
    return out;
  }
  out.events.emplace_back("chunk", json{{"bytes", wire::base64_encode(turn.response.completion)}});
  return out;
}

}  // namespace tenantsim::agents_wire
