#include "core/api/router.h"

#include <vector>

namespace tenantsim {

namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    out.push_back(path.substr(i, j == std::string::npos ? std::string::npos : j - i));
    i = j == std::string::npos ? path.size() : j;
  }
  return out;
}

std::string bearer(const std::string& header) {
  static const std::string kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || header.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  return header.substr(kPrefix.size());
}

ApiResponse ok(Json body, int status = 200) { return ApiResponse{status, std::move(body), {}}; }

ApiResponse from(Result<Json> r, int status = 200) {
  if (!r.ok()) return error_response(r.error());
  return ok(std::move(r).value(), status);
}

Error not_found() { return Error::make(ErrorKind::kNotFound, "NotFound", "no such endpoint"); }
// 405 with the Allow header RFC 9110 requires.
ApiResponse wrong_method(const char* allowed) {
  ApiResponse r = error_response(
      Error::make(ErrorKind::kMethodNotAllowed, "MethodNotAllowed", std::string("this path takes ") + allowed));
  r.headers["Allow"] = allowed;
  return r;
}

}  // namespace

ApiResponse error_response(const Error& e) {
  ApiResponse r{http_status(e.kind), Json{{"detail", e.message}, {"code", e.name}}, {}};
  if (e.kind == ErrorKind::kTooManyRequests) {
    const auto s = e.retry_after ? e.retry_after->count() : 1;
    r.headers["Retry-After"] = std::to_string(s < 1 ? 1 : s);
    r.body["retry_after_seconds"] = s;
  }
  return r;
}

Task<ApiResponse> route(System& sys, ApiRequest req) {
  const auto s = segments(req.path);
  const std::string token = bearer(req.authorization);
  const std::string& m = req.method;
  Json body = Json::object();
  if (m == "POST") {
    if (!req.body.empty()) {
      body = Json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object())
        co_return error_response(Error::make(ErrorKind::kBadRequest, "InvalidJson", "request body is not a JSON object"));
    }
  }
  const auto n = s.size();
  auto is = [&](std::initializer_list<const char*> parts) {
    if (parts.size() != n) return false;
    size_t i = 0;
    for (const char* p : parts) {
      if (*p != '*' && s[i] != p) return false;
      ++i;
    }
    return true;
  };

  if (is({"health"}) || is({"api", "health"})) co_return ok(sys.health());
  if (n == 0 || s[0] != "api") co_return error_response(not_found());

  // Public: registration and login.
  if (is({"api", "register"})) {
    if (m != "POST") co_return wrong_method("POST");
    auto r = co_await sys.register_tenant(body);
    co_return from(std::move(r), 201);
  }
  if (is({"api", "register", "confirm"})) {
    if (m != "POST") co_return wrong_method("POST");
    auto r = co_await sys.confirm_registration(body);
    co_return from(std::move(r));
  }
  if (is({"api", "auth", "login"})) {
    if (m != "POST") co_return wrong_method("POST");
    auto r = co_await sys.login(body);
    co_return from(std::move(r));
  }
  if (is({"api", "auth", "refresh"})) {
    if (m != "POST") co_return wrong_method("POST");
    auto r = co_await sys.refresh(body);
    co_return from(std::move(r));
  }

  // Everything else needs a bearer token; say so before anything else about the request.
  if (token.empty())
    co_return error_response(Error::make(ErrorKind::kUnauthorized, "MissingToken", "Authorization: Bearer <token> is required"));

  if (is({"api", "chat"})) {
    if (m != "POST") co_return wrong_method("POST");
    auto r = co_await sys.chat(token, body);
    co_return from(std::move(r));
  }
  if (is({"api", "sessions"})) {
    if (m != "POST") co_return wrong_method("POST");
    auto r = co_await sys.create_session(token);
    co_return from(std::move(r), 201);
  }
  if (is({"api", "sessions", "*"})) {
    if (m != "DELETE") co_return wrong_method("DELETE");
    auto r = co_await sys.close_session(token, s[2]);
    co_return from(std::move(r));
  }
  if (is({"api", "mcp", "weather", "tools"})) {
    if (m != "GET") co_return wrong_method("GET");
    auto r = co_await sys.weather_tools(token);
    co_return from(std::move(r));
  }
  if (is({"api", "mcp", "weather", "*"})) {
    if (m != "POST") co_return wrong_method("POST");
    auto r = co_await sys.run_weather_tool(token, s[3], body);
    co_return from(std::move(r));
  }

  if (n >= 4 && s[1] == "tenants") {
    const std::string& t = s[2];
    if (is({"api", "tenants", "*", "sessions"}) && m == "GET") {
      auto r = co_await sys.list_sessions(token, t);
      co_return from(std::move(r));
    }
    if (is({"api", "tenants", "*", "usage"}) && m == "GET") {
      auto r = co_await sys.usage(token, t);
      co_return from(std::move(r));
    }
    if (is({"api", "tenants", "*", "subscription"}) && m == "GET") {
      auto r = co_await sys.subscription(token, t);
      co_return from(std::move(r));
    }
    if (is({"api", "tenants", "*", "costs"}) && m == "GET") {
      auto r = co_await sys.tenant_costs(token, t);
      co_return from(std::move(r));
    }
    if (is({"api", "tenants", "*", "users", "*", "costs"}) && m == "GET") {
      auto r = co_await sys.user_costs(token, t, s[4]);
      co_return from(std::move(r));
    }
    co_return error_response(not_found());
  }
  if (n >= 3 && s[1] == "admin") {
    if (is({"api", "admin", "my-tenants"}) && m == "GET") {
      auto r = co_await sys.admin_my_tenants(token);
      co_return from(std::move(r));
    }
    if (is({"api", "admin", "add-to-group"}) && m == "POST") {
      auto r = co_await sys.admin_add_to_group(token, body);
      co_return from(std::move(r));
    }
    if (n >= 5 && s[2] == "tenants") {
      const std::string& t = s[3];
      if (is({"api", "admin", "tenants", "*", "users"}) && m == "POST") {
        auto r = co_await sys.admin_create_user(token, t, body);
        co_return from(std::move(r), 201);
      }
      if (is({"api", "admin", "tenants", "*", "users", "*", "service-cost"}) && m == "GET") {
        auto r = co_await sys.admin_user_service_cost(token, t, s[5]);
        co_return from(std::move(r));
      }
      if (n == 5 && m == "GET") {
        auto r = co_await sys.admin_cost_report(token, t, s[4]);
        co_return from(std::move(r));
      }
    }
  }
  co_return error_response(not_found());
}

}  // namespace tenantsim
