// Router: the REST surface of seed 000 as a pure function from a request to a response, so the
// HTTP server, the in-process driver and the tests share it and no socket is needed to test it.
#pragma once

#include <map>
#include <string>

#include "core/api/system.h"

namespace tenantsim {

struct ApiRequest {
  std::string method;         // "GET", "POST", "DELETE"
  std::string path;           // "/api/tenants/acme/usage" (no query string)
  std::string authorization;  // the Authorization header, "Bearer <jwt>"
  std::string body;           // JSON text; empty for GET
};

struct ApiResponse {
  int status = 200;
  Json body;
  std::map<std::string, std::string> headers;  // e.g. Retry-After
};

// Maps an Error to its status and a {"detail", "code"} body (FastAPI's shape, which the sample's
// clients read), with Retry-After on 429.
ApiResponse error_response(const Error& e);

Task<ApiResponse> route(System& system, ApiRequest request);

}  // namespace tenantsim
