// Router: the REST surface of seed 000 as a route table and a pure function from a request to a
// response, so the HTTP server, the in-process driver and the tests share it and no socket is
// needed to test it. Every route is one row (method, path pattern, success status, whether it needs
// a token, handler); the answers every row shares are made once here: 404 for a path no row has,
// 405 with `Allow` for a path some row has under another method, 401 for a missing token, 400 for
// a body that is not a JSON object or a bad query parameter.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/api/system.h"

namespace tenantsim {

// The AgentCore runtime's session header (InvokeAgentRuntime's runtimeSessionId), lower-cased.
inline constexpr const char* kRuntimeSessionHeader = "x-amzn-bedrock-agentcore-runtime-session-id";

struct ApiRequest {
  std::string method;         // "GET", "POST", "DELETE"
  std::string path;           // "/api/tenants/acme/usage" (no query string)
  std::string authorization;  // the Authorization header, "Bearer <jwt>"
  std::string body;           // JSON text; empty for GET
  std::map<std::string, std::string> query;  // decoded query parameters ("days" -> "7")
  // The body already parsed, when an HTTP layer did it on its own thread; `body` is then ignored.
  // Discarded (is_discarded()) when it was not JSON.
  std::optional<Json> parsed_body;
  // Other request headers a route reads, by lower-case name (the AgentCore runtime's session id).
  std::map<std::string, std::string> headers;
};

struct ApiResponse {
  int status = 200;
  Json body;
  std::map<std::string, std::string> headers;  // e.g. Retry-After, Allow
  std::string route;  // the pattern of the route that answered ("" when none matched): for metrics
};

// Maps an Error to its status and a {"detail", "code"} body (FastAPI's shape, which the sample's
// clients read), with Retry-After on 429.
ApiResponse error_response(const Error& e);

// Never throws: an exception out of a handler is answered 500 InternalError.
Task<ApiResponse> route(System& system, ApiRequest request);

// The pattern of the route `path` matches ("/api/tenants/{tenant_id}/usage"), whatever the
// method, or "" when none does: a bounded label for metrics and logs (never the raw path, whose
// ids would make one series per tenant).
std::string route_pattern(const std::string& path);

// Every method some route takes on `path`, in table order ("GET, POST"); "" when no route has it.
std::string allowed_methods(const std::string& path);

// Splits "a=1&b=x%20y" into decoded pairs (later keys win); '+' is a space, as forms send it.
std::map<std::string, std::string> parse_query(std::string_view query);
// %XX escapes decoded (malformed ones kept as they are); '+' is a space in query strings only.
std::string percent_decode(std::string_view in, bool plus_is_space);

}  // namespace tenantsim
