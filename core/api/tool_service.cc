#include "core/api/tool_service.h"

#include "core/api/commands.h"
#include "core/api/request_fields.h"

namespace tenantsim {

Task<Result<Json>> ToolService::call(const Caller& c, std::string tool, ToolInput input, ToolRoute route) {
  std::vector<UsageRecord> usage;
  TurnContext ctx = direct_context(c);  // a named local: GCC 12 and class temporaries in co_await
  ToolCall call = co_await gateway_.invoke(std::move(ctx), std::move(tool), std::move(input), clock_, &usage, route);
  co_await metering_.record(std::move(usage));  // what ran is billed, whatever the outcome
  co_return std::move(call.result);
}

Task<Result<Json>> ToolService::gateway_mcp(std::string token, Json body) {
  // The gateway validates the token again, as its own layer: an audience check skipped here would
  // let a token minted for another app client call tools (the defect).
  TokenVerifier::Checks checks;
  checks.audience = !defects_.on(Defect::kGatewaySkipsAudience);
  CO_TRY(Caller c, co_await auth_.caller(std::move(token), checks));
  CO_TRY(McpRequest r, parse_mcp_request(body));
  if (r.method == McpRequest::Method::kListTools) {
    std::vector<UsageRecord> usage;
    const TurnContext ctx = direct_context(c);
    UsageMeter meter(ctx, clock_, &usage);
    ToolGateway::bill_gateway_call(meter);
    co_await metering_.record(std::move(usage));
    Json tools = Json::array();
    for (const auto& t : gateway_.offered(*c.tier)) {
      const char* arg = gateway_.is_weather_tool(t.name) ? "city" : "query";
      Json schema = {{"type", "object"}, {"required", Json::array({arg})}};
      schema["properties"][arg] = {{"type", "string"}};
      tools.push_back({{"name", t.name}, {"description", t.description}, {"inputSchema", std::move(schema)}});
    }
    co_return Json{{"jsonrpc", "2.0"}, {"id", r.id}, {"result", {{"tools", tools}}}};
  }
  CO_TRY(Json result, co_await call(c, std::move(r.tool), std::move(r.arguments), ToolRoute::kAgentCoreGateway));
  Json content = Json::array({{{"type", "text"}, {"text", result.dump()}}});
  co_return Json{{"jsonrpc", "2.0"}, {"id", r.id}, {"result", {{"content", content}, {"isError", false}}}};
}

Task<Result<Json>> ToolService::weather_tools(std::string token) {
  CO_TRY(Caller c, co_await auth_.caller(std::move(token)));
  Json tools = Json::array();
  Json names = Json::array();
  for (const auto& t : gateway_.offered(*c.tier)) {
    if (!gateway_.is_weather_tool(t.name)) continue;  // seed 000's MCP weather server lists only its own
    tools.push_back({{"name", t.name}, {"description", t.description}});
    names.push_back(t.name);
  }
  co_return Json{{"subscription_tier", c.tier->name}, {"weather_tools", tools}, {"available_tools", names}};
}

Task<Result<Json>> ToolService::run_weather_tool(std::string token, std::string tool, Json body) {
  CO_TRY(Caller c, co_await auth_.caller(std::move(token)));
  if (!gateway_.is_weather_tool(tool))
    co_return Error::make(ErrorKind::kNotFound, "UnknownTool", "no such weather tool: " + tool);
  CO_TRY(WeatherToolCall r, parse_weather_tool_call(body));
  ToolInput input;
  input["city"] = std::move(r.city);
  CO_TRY(Json result, co_await call(c, tool, std::move(input), ToolRoute::kMcpServer));
  co_return Json{{"tool_name", tool}, {"subscription_tier", c.tier->name}, {"result", std::move(result)}};
}

}  // namespace tenantsim
