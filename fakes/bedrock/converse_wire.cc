#include "fakes/bedrock/converse_wire.h"

#include <fmt/format.h>

namespace tenantsim::bedrock_wire {

namespace {

using nlohmann::json;

Error invalid(std::string message) { return Error::make(ErrorKind::kBadRequest, "ValidationException", std::move(message)); }

Error null_member(const std::string& path) {
  return invalid(fmt::format("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", path));
}

// A tool's input or result as the port holds it: string values, JSON text for the rest.
std::map<std::string, std::string> string_map(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

// A tool's input as the port holds it, as the JSON object the wire carries.
json input_json(const std::map<std::string, std::string>& input) {
  json out = json::object();
  for (const auto& [k, v] : input) out[k] = v;
  return out;
}

Result<ChatMessage> parse_message(const json& m, size_t index) {
  const std::string at = fmt::format("messages.{}.member", index + 1);
  if (!m.is_object()) return invalid(at + " must be an object");
  const std::string role = m.value("role", "");
  if (role != "user" && role != "assistant")
    return invalid(fmt::format("1 validation error detected: Value '{}' at '{}.role' failed to satisfy constraint: Member must "
                               "satisfy enum value set: [user, assistant]", role, at));
  ChatMessage out;
  out.role = role == "user" ? ChatMessage::Role::kUser : ChatMessage::Role::kAssistant;
  const auto content = m.find("content");
  if (content == m.end() || !content->is_array()) return null_member(at + ".content");
  for (const auto& block : *content) {
    if (!block.is_object() || block.size() != 1) return invalid(at + ".content: each block has exactly one member");
    if (block.contains("text") && block["text"].is_string()) {
      out.text += (out.text.empty() ? "" : "\n") + block["text"].get<std::string>();
    } else if (block.contains("toolUse")) {
      const json& u = block["toolUse"];
      out.tool_use = ToolUse{u.value("toolUseId", ""), u.value("name", ""), string_map(u.value("input", json::object()))};
    } else if (block.contains("toolResult")) {
      const json& r = block["toolResult"];
      ToolResult tr{r.value("toolUseId", ""), "", r.value("status", "") == "error"};
      for (const auto& c : r.value("content", json::array())) {
        if (c.contains("json")) tr.content += c["json"].dump();
        if (c.contains("text") && c["text"].is_string()) tr.content += c["text"].get<std::string>();
      }
      out.tool_result = std::move(tr);
    } else {
      return invalid(fmt::format("{}.content: the block type {} is not supported by this fake", at, block.begin().key()));
    }
  }
  return out;
}

}  // namespace

Result<ConverseRequest> parse_converse(const json& body, const std::string& model_id) {
  if (!body.is_object()) return invalid("The request body must be a JSON object");
  ConverseRequest req;
  req.model_id = model_id;
  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return null_member("messages");
  for (size_t i = 0; i < messages->size(); ++i) {
    auto m = parse_message((*messages)[i], i);
    if (!m.ok()) return m.take_error();
    req.messages.push_back(std::move(*m));
  }
  for (const auto& s : body.value("system", json::array()))
    if (s.contains("text") && s["text"].is_string()) req.system += (req.system.empty() ? "" : "\n") + s["text"].get<std::string>();
  if (const auto cfg = body.find("inferenceConfig"); cfg != body.end() && cfg->contains("maxTokens")) {
    if (!(*cfg)["maxTokens"].is_number_integer()) return invalid("inferenceConfig.maxTokens must be an integer");
    req.max_tokens = (*cfg)["maxTokens"].get<int>();
  }
  if (const auto tc = body.find("toolConfig"); tc != body.end()) {
    for (const auto& t : tc->value("tools", json::array())) {
      const json spec = t.value("toolSpec", json::object());
      if (!spec.contains("name") || !spec["name"].is_string()) return null_member("toolConfig.tools.member.toolSpec.name");
      req.tools.push_back(ToolSpec{spec["name"].get<std::string>(), spec.value("description", "")});
    }
  }
  if (const auto md = body.find("requestMetadata"); md != body.end()) req.request_metadata = string_map(*md);
  return req;
}

json converse_json(const ConverseResponse& r, int64_t latency_ms) {
  json content = json::array();
  if (!r.output.text.empty()) content.push_back({{"text", r.output.text}});
  if (r.output.tool_use)
    content.push_back({{"toolUse", {{"toolUseId", r.output.tool_use->tool_use_id}, {"name", r.output.tool_use->name},
                                    {"input", input_json(r.output.tool_use->input)}}}});
  return {{"output", {{"message", {{"role", "assistant"}, {"content", content}}}}},
          {"stopReason", r.stop_reason},
          {"usage", {{"inputTokens", r.usage.input_tokens}, {"outputTokens", r.usage.output_tokens},
                     {"totalTokens", r.usage.input_tokens + r.usage.output_tokens}}},
          {"metrics", {{"latencyMs", latency_ms}}}};
}

json converse_request_json(const ConverseRequest& r) {
  json messages = json::array();
  for (const auto& m : r.messages) {
    json content = json::array();
    if (!m.text.empty()) content.push_back({{"text", m.text}});
    if (m.tool_use)
      content.push_back({{"toolUse", {{"toolUseId", m.tool_use->tool_use_id}, {"name", m.tool_use->name}, {"input", input_json(m.tool_use->input)}}}});
    if (m.tool_result) {
      const json parsed = json::parse(m.tool_result->content, nullptr, false);
      const json block = parsed.is_object() ? json{{"json", parsed}} : json{{"text", m.tool_result->content}};
      content.push_back({{"toolResult", {{"toolUseId", m.tool_result->tool_use_id},
                                         {"content", json::array({block})},
                                         {"status", m.tool_result->error ? "error" : "success"}}}});
    }
    messages.push_back({{"role", m.role == ChatMessage::Role::kUser ? "user" : "assistant"}, {"content", content}});
  }
  json body = {{"messages", messages}, {"inferenceConfig", {{"maxTokens", r.max_tokens}}}};
  if (!r.system.empty()) body["system"] = json::array({{{"text", r.system}}});
  if (!r.tools.empty()) {
    json tools = json::array();
    for (const auto& t : r.tools)
      tools.push_back({{"toolSpec", {{"name", t.name}, {"description", t.description},
                                     {"inputSchema", {{"json", {{"type", "object"}}}}}}}});
    body["toolConfig"] = {{"tools", tools}};
  }
  if (!r.request_metadata.empty()) body["requestMetadata"] = r.request_metadata;
  return body;
}

Result<ConverseResponse> parse_converse_response(const json& body) {
  const auto bad = [](const std::string& what) {
    return Error::make(ErrorKind::kUnavailable, "SerializationException", "a Converse answer without " + what);
  };
  if (!body.is_object() || !body.contains("output") || !body["output"].contains("message")) return bad("output.message");
  ConverseResponse out;
  out.output.role = ChatMessage::Role::kAssistant;
  for (const auto& block : body["output"]["message"].value("content", json::array())) {
    if (block.contains("text") && block["text"].is_string()) {
      out.output.text += (out.output.text.empty() ? "" : "\n") + block["text"].get<std::string>();
    } else if (block.contains("toolUse")) {
      const json& u = block["toolUse"];
      out.output.tool_use = ToolUse{u.value("toolUseId", ""), u.value("name", ""), string_map(u.value("input", json::object()))};
    }
  }
  out.stop_reason = body.value("stopReason", "");
  const json usage = body.value("usage", json::object());
  if (!usage.contains("inputTokens") || !usage.contains("outputTokens")) return bad("usage");
  out.usage.input_tokens = usage["inputTokens"].get<int64_t>();
  out.usage.output_tokens = usage["outputTokens"].get<int64_t>();
  return out;
}

std::vector<std::pair<std::string, json>> converse_stream_events(const ConverseResponse& r, int64_t latency_ms) {
  std::vector<std::pair<std::string, json>> out;
  out.emplace_back("messageStart", json{{"role", "assistant"}});
  int block = 0;
  if (!r.output.text.empty()) {
    // Deltas of about four words, cut after a space, so the text joins back exactly.
    const std::string& text = r.output.text;
    size_t from = 0;
    while (from < text.size()) {
      size_t to = from;
      for (int words = 0; words < 4 && to < text.size(); ++words) {
        const size_t space = text.find(' ', to);
        to = space == std::string::npos ? text.size() : space + 1;
      }
      out.emplace_back("contentBlockDelta", json{{"contentBlockIndex", block}, {"delta", {{"text", text.substr(from, to - from)}}}});
      from = to;
    }
    out.emplace_back("contentBlockStop", json{{"contentBlockIndex", block}});
    ++block;
  }
  if (r.output.tool_use) {
    const json input = input_json(r.output.tool_use->input);
    out.emplace_back("contentBlockStart", json{{"contentBlockIndex", block},
                                               {"start", {{"toolUse", {{"toolUseId", r.output.tool_use->tool_use_id},
                                                                       {"name", r.output.tool_use->name}}}}}});
    out.emplace_back("contentBlockDelta", json{{"contentBlockIndex", block}, {"delta", {{"toolUse", {{"input", input.dump()}}}}}});
    out.emplace_back("contentBlockStop", json{{"contentBlockIndex", block}});
  }
  out.emplace_back("messageStop", json{{"stopReason", r.stop_reason}});
  const json full = converse_json(r, latency_ms);
  out.emplace_back("metadata", json{{"usage", full["usage"]}, {"metrics", full["metrics"]}});
  return out;
}

Result<ConverseRequest> parse_anthropic_invoke(const json& body, const std::string& model_id) {
  if (!body.is_object()) return invalid("Malformed input request, please reformat your input and try again.");
  if (!body.contains("anthropic_version")) return invalid("Malformed input request: #: required key [anthropic_version] not found");
  if (!body.contains("max_tokens") || !body["max_tokens"].is_number_integer())
    return invalid("Malformed input request: #: required key [max_tokens] not found");
  ConverseRequest req;
  req.model_id = model_id;
  req.max_tokens = body["max_tokens"].get<int>();
  if (body.contains("system") && body["system"].is_string()) req.system = body["system"].get<std::string>();
  if (!body.contains("messages") || !body["messages"].is_array())
    return invalid("Malformed input request: #: required key [messages] not found");
  for (const auto& m : body["messages"]) {
    ChatMessage out;
    out.role = m.value("role", "") == "assistant" ? ChatMessage::Role::kAssistant : ChatMessage::Role::kUser;
    const json content = m.value("content", json());
    if (content.is_string()) {
      out.text = content.get<std::string>();
    } else if (content.is_array()) {
      for (const auto& block : content)
        if (block.value("type", "") == "text") {
          if (!out.text.empty()) out.text += '\n';
          out.text += block.value("text", "");
        }
    } else {
      return invalid("Malformed input request: #/messages: content must be a string or a list of blocks");
    }
    req.messages.push_back(std::move(out));
  }
  return req;
}

json anthropic_json(const ConverseResponse& r, const std::string& model_id, const std::string& id) {
  json content = json::array();
  if (!r.output.text.empty()) content.push_back({{"type", "text"}, {"text", r.output.text}});
  if (r.output.tool_use)
    content.push_back({{"type", "tool_use"}, {"id", r.output.tool_use->tool_use_id}, {"name", r.output.tool_use->name},
                       {"input", input_json(r.output.tool_use->input)}});
  return {{"id", id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", model_id},
          {"content", content},
          {"stop_reason", r.stop_reason},
          {"stop_sequence", nullptr},
          {"usage", {{"input_tokens", r.usage.input_tokens}, {"output_tokens", r.usage.output_tokens}}}};
}

int http_status(const std::string& exception) {
  if (exception == "AccessDeniedException") return 403;
  if (exception == "ResourceNotFoundException") return 404;
  if (exception == "ConflictException") return 409;
  if (exception == "ThrottlingException" || exception == "ModelNotReadyException") return 429;
  if (exception == "ServiceUnavailableException") return 503;
  if (exception == "InternalServerException") return 500;
  if (exception == "ModelTimeoutException") return 408;
  return 400;
}

}  // namespace tenantsim::bedrock_wire
