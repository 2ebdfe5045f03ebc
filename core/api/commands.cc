#include "core/api/commands.h"

#include <fmt/format.h>

#include <array>

#include "core/api/request_fields.h"
#include "core/base/time.h"

namespace tenantsim {

namespace {

// A required, non-empty string field of at most `max` bytes.
Result<std::string> field(const Json& body, const char* name, size_t max = 256) {
  if (!body.is_object()) return bad_request("InvalidBody", "request body must be a JSON object");
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
    return bad_request("MissingField", fmt::format("'{}' is required and must be a non-empty string", name));
  if (it->get<std::string>().size() > max) return bad_request("FieldTooLong", fmt::format("'{}' is longer than {}", name, max));
  return it->get<std::string>();
}

struct FieldSpec {
  const char* name;
  size_t max;
};

// Several required string fields at once; the first missing or too long one is the error.
template <size_t N>
Result<std::array<std::string, N>> fields(const Json& body, const FieldSpec (&specs)[N]) {
  std::array<std::string, N> out;
  for (size_t i = 0; i < N; ++i) {
    auto f = field(body, specs[i].name, specs[i].max);
    if (!f.ok()) return f.take_error();
    out[i] = std::move(f).value();
  }
  return out;
}

// An optional string field: absent is fine, anything but a string is not.
Result<std::optional<std::string>> optional_string(const Json& body, const char* name) {
  if (!body.contains(name)) return std::optional<std::string>();
  if (!body[name].is_string()) return bad_request("InvalidField", fmt::format("'{}' must be a string", name));
  return std::optional<std::string>(body[name].get<std::string>());
}

}  // namespace

Result<RegisterTenant> parse_register_tenant(const Json& body) {
  auto f = fields(body, {{"tenant_id", 63}, {"username", 128}, {"password", 256}, {"subscription_tier", 32}});
  if (!f.ok()) return f.take_error();
  RegisterTenant r;
  r.tenant_id = (*f)[0];
  r.username = (*f)[1];
  r.password = (*f)[2];
  r.tier = (*f)[3];
  if (body.contains("admin") && !body["admin"].is_boolean()) return bad_request("InvalidField", "'admin' must be a boolean");
  r.admin = body.value("admin", false);
  if (body.contains("utc_offset_minutes")) {
    if (!body["utc_offset_minutes"].is_number_integer())
      return bad_request("InvalidField", "'utc_offset_minutes' must be an integer");
    const int64_t offset = body["utc_offset_minutes"].get<int64_t>();
    if (!valid_utc_offset_minutes(offset)) return bad_request("InvalidUtcOffset", "utc offset must be within +-14 hours");
    r.utc_offset_minutes = static_cast<int>(offset);
  }
  if (body.contains("time_zone")) {
    if (body.contains("utc_offset_minutes"))
      return bad_request("InvalidField", "give 'utc_offset_minutes' or 'time_zone', not both");
    if (!body["time_zone"].is_string() || body["time_zone"].get<std::string>().size() > 64)
      return bad_request("InvalidField", "'time_zone' must be an IANA time zone name such as \"America/New_York\"");
    r.time_zone = body["time_zone"].get<std::string>();
  }
  auto email = optional_string(body, "email");
  if (!email.ok()) return email.take_error();
  r.email = email->value_or("");
  return r;
}

Result<ConfirmRegistration> parse_confirm_registration(const Json& body) {
  auto f = fields(body, {{"tenant_id", 63}, {"username", 128}, {"code", 16}});
  if (!f.ok()) return f.take_error();
  return ConfirmRegistration{(*f)[0], (*f)[1], (*f)[2]};
}

Result<PasswordLogin> parse_password_login(const Json& body) {
  auto f = fields(body, {{"tenant_id", 63}, {"username", 128}, {"password", 256}});
  if (!f.ok()) return f.take_error();
  return PasswordLogin{(*f)[0], (*f)[1], (*f)[2]};
}

Result<TokenRefresh> parse_token_refresh(const Json& body) {
  auto f = fields(body, {{"tenant_id", 63}, {"refresh_token", 4096}});
  if (!f.ok()) return f.take_error();
  return TokenRefresh{(*f)[0], (*f)[1]};
}

Result<ChatRequest> parse_chat_request(const Json& body) {
  auto message = field(body, "message", 32 * 1024);
  if (!message.ok()) return message.take_error();
  if (!body.contains("tenant_context") || !body["tenant_context"].is_object())
    return bad_request("MissingField", "'tenant_context' is required");
  auto ids = fields(body["tenant_context"], {{"tenant_id", 63}, {"user_id", 128}, {"session_id", 64}});
  if (!ids.ok()) return ids.take_error();
  return ChatRequest{std::move(message).value(), (*ids)[0], (*ids)[1], (*ids)[2]};
}

Result<RuntimeInvocation> parse_runtime_invocation(const Json& body, std::string header_session_id,
                                                   bool accept_short_ids) {
  if (!body.is_object()) return bad_request("InvalidBody", "request body must be a JSON object");
  auto prompt = field(body, "prompt", 32 * 1024);
  if (!prompt.ok()) return prompt.take_error();
  RuntimeInvocation r;
  r.prompt = std::move(prompt).value();
  r.runtime_session_id = std::move(header_session_id);
  if (r.runtime_session_id.empty() && body.contains("runtimeSessionId") && body["runtimeSessionId"].is_string())
    r.runtime_session_id = body["runtimeSessionId"].get<std::string>();
  // AgentCore's own validation, before the authorizer: a short id is guessable, which is the point.
  const bool length_ok = r.runtime_session_id.size() >= 33 && r.runtime_session_id.size() <= 256;
  if (!length_ok && !accept_short_ids)
    return bad_request("ValidationException", "runtimeSessionId must be 33 to 256 characters");
  const Json attrs = body.value("sessionAttributes", Json::object());
  if (!attrs.is_object()) return bad_request("InvalidField", "'sessionAttributes' must be an object of strings");
  for (const auto& [k, v] : attrs.items())
    if (!v.is_string()) return bad_request("InvalidField", "'sessionAttributes' must be an object of strings");
  if (body.contains("enableTrace") && !body["enableTrace"].is_boolean())
    return bad_request("InvalidField", "'enableTrace' must be a boolean");
  r.trace = body.value("enableTrace", false);
  r.attribute_tenant = attrs.value("tenant_id", "");
  r.attribute_user = attrs.value("user_id", "");
  return r;
}

Result<McpRequest> parse_mcp_request(const Json& body) {
  if (!body.is_object() || body.value("jsonrpc", "") != "2.0" || !body.contains("method") || !body["method"].is_string())
    return bad_request("InvalidRequest", "a JSON-RPC 2.0 request needs jsonrpc \"2.0\" and a method");
  McpRequest r;
  const std::string method = body["method"].get<std::string>();
  r.id = body.value("id", Json());
  if (method == "tools/list") return r;
  if (method != "tools/call") return Error::make(ErrorKind::kNotFound, "MethodNotFound", "no such method: " + method);
  r.method = McpRequest::Method::kCallTool;
  const Json params = body.value("params", Json::object());
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string())
    return bad_request("InvalidParams", "tools/call needs params.name");
  r.tool = params["name"].get<std::string>();
  const Json args = params.value("arguments", Json::object());
  if (!args.is_object()) return bad_request("InvalidParams", "params.arguments must be an object");
  for (const auto& [k, v] : args.items()) {
    if (!v.is_string()) return bad_request("InvalidParams", "tool arguments must be strings");
    r.arguments[k] = v.get<std::string>();
  }
  return r;
}

Result<WeatherToolCall> parse_weather_tool_call(const Json& body) {
  auto city = field(body, "city", 100);
  if (!city.ok()) return city.take_error();
  return WeatherToolCall{std::move(city).value()};
}

Result<AddToGroup> parse_add_to_group(const Json& body) {
  auto username = field(body, "username", 128);
  if (!username.ok()) return username.take_error();
  auto group = optional_string(body, "group");
  if (!group.ok()) return group.take_error();
  return AddToGroup{std::move(username).value(), std::move(group).value()};
}

Result<CreateUser> parse_create_user(const Json& body) {
  auto f = fields(body, {{"username", 128}, {"password", 256}});
  if (!f.ok()) return f.take_error();
  CreateUser r{(*f)[0], (*f)[1], std::nullopt};
  // A non-string email is left out, as before: the address is a courtesy, not an identity.
  if (body.contains("email") && body["email"].is_string()) r.email = body["email"].get<std::string>();
  return r;
}

}  // namespace tenantsim
