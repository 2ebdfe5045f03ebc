// ToolService: the tools called directly, not through the agent: seed 000's MCP weather endpoints
// and the tool gateway's MCP endpoint (JSON-RPC 2.0 tools/list and tools/call). The gateway
// validates the token again, as its own layer; the tools offered are the caller's tier's and the
// tenant is the token's, whatever the arguments say. What runs is metered to the caller.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/api/authorizer.h"
#include "core/api/id_source.h"
#include "core/domain/metering.h"
#include "core/domain/tool_gateway.h"

namespace tenantsim {

class ToolService {
 public:
  // All must outlive this object.
  ToolService(Clock& clock, Authorizer& auth, ToolGateway& gateway, Metering& metering, IdSource& ids,
              const DefectSet& defects)
      : clock_(clock), auth_(auth), gateway_(gateway), metering_(metering), ids_(ids), defects_(defects) {}

  Task<Result<nlohmann::json>> gateway_mcp(std::string token, nlohmann::json body);
  Task<Result<nlohmann::json>> weather_tools(std::string token);
  Task<Result<nlohmann::json>> run_weather_tool(std::string token, std::string tool, nlohmann::json body);

 private:
  // One tool called as the caller, through the gateway; metered whatever the outcome.
  Task<Result<nlohmann::json>> call(const Caller& c, std::string tool, ToolInput input, ToolRoute route);
  // The context of a call made directly, outside a chat: the caller, no session, a new request id.
  TurnContext direct_context(const Caller& c) { return {&c.tenant, c.tier, c.principal.sub, "", ids_.id("req"), ""}; }

  Clock& clock_;
  Authorizer& auth_;
  ToolGateway& gateway_;
  Metering& metering_;
  IdSource& ids_;
  const DefectSet& defects_;
};

}  // namespace tenantsim
