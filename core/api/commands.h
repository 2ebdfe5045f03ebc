// The typed inputs of the endpoints that take a body. Each is read from the request's JSON by one
// function that checks every field (present, of its type, within its length) and refuses the
// request with 400 naming the first bad one; a service then works on checked values only. A service
// parses after it has authenticated the caller, so a request with a bad token and a bad body is
// answered 401; the agent runtime alone validates first, as AgentCore does. Path parameters are plain
// strings the route table hands over.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/domain/tool_gateway.h"

namespace tenantsim {

// POST /api/register. The tenant's calendar is a fixed offset or an IANA zone name, not both.
struct RegisterTenant {
  std::string tenant_id, username, password, tier;
  bool admin = false;
  std::optional<int> utc_offset_minutes;
  std::optional<std::string> time_zone;  // checked for shape here; the zone database says if it exists
  std::string email;
};
Result<RegisterTenant> parse_register_tenant(const nlohmann::json& body);

// POST /api/register/confirm, /api/auth/login, /api/auth/refresh.
struct ConfirmRegistration {
  std::string tenant_id, username, code;
};
Result<ConfirmRegistration> parse_confirm_registration(const nlohmann::json& body);
struct PasswordLogin {
  std::string tenant_id, username, password;
};
Result<PasswordLogin> parse_password_login(const nlohmann::json& body);
struct TokenRefresh {
  std::string tenant_id, refresh_token;
};
Result<TokenRefresh> parse_token_refresh(const nlohmann::json& body);

// POST /api/chat: the message and seed 000's tenant_context (which must name the caller).
struct ChatRequest {
  std::string message, tenant_id, user_id, session_id;
};
Result<ChatRequest> parse_chat_request(const nlohmann::json& body);

// InvokeAgentRuntime: the runtime session id comes from its header or else the body; AgentCore
// refuses ids outside 33..256 characters unless `accept_short_ids` (the runtime-session-id-short
// defect). sessionAttributes are the caller's own words: kept to be compared, never believed.
struct RuntimeInvocation {
  std::string prompt, runtime_session_id;
  std::string attribute_tenant, attribute_user;  // "" when not given
  bool trace = false;
};
Result<RuntimeInvocation> parse_runtime_invocation(const nlohmann::json& body, std::string header_session_id,
                                                   bool accept_short_ids);

// The gateway's MCP endpoint: a JSON-RPC 2.0 tools/list or tools/call.
struct McpRequest {
  enum class Method { kListTools, kCallTool };
  Method method = Method::kListTools;
  nlohmann::json id;  // echoed in the answer
  std::string tool;   // kCallTool
  ToolInput arguments;
};
Result<McpRequest> parse_mcp_request(const nlohmann::json& body);

// POST /api/mcp/weather/{tool}.
struct WeatherToolCall {
  std::string city;
};
Result<WeatherToolCall> parse_weather_tool_call(const nlohmann::json& body);

// POST /api/admin/add-to-group and /api/admin/tenants/{t}/users.
struct AddToGroup {
  std::string username;
  std::optional<std::string> group;  // the tenant's admin group when not given
};
Result<AddToGroup> parse_add_to_group(const nlohmann::json& body);
struct CreateUser {
  std::string username, password;
  std::optional<std::string> email;
};
Result<CreateUser> parse_create_user(const nlohmann::json& body);

}  // namespace tenantsim
