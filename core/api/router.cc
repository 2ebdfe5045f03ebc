#include "core/api/router.h"

#include <array>
#include <optional>

#include <fmt/format.h>

#include "core/base/json_text.h"

namespace tenantsim {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    out.push_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    i = j == std::string_view::npos ? path.size() : j;
  }
  return out;
}

std::string bearer(const std::string& header) {
  static const std::string kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || header.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  return header.substr(kPrefix.size());
}

// What a handler gets: the verified-later token, the parsed body, the path's {parameters} in order,
// and the cost window (?days=N) when the route takes one.
struct Call {
  std::string token;
  Json body;
  std::vector<std::string> params;
  CostWindow window;
  std::string runtime_session_id;  // AgentCore's session header, when sent
};

using Handler = Task<Result<Json>> (*)(System&, Call);

enum class Access { kPublic, kToken };

struct Route {
  const char* method;
  const char* pattern;  // "{name}" matches one segment
  int status;           // on success
  Access access;
  Handler handler;
};

// The whole REST surface. Aliases the public sample's frontend calls are rows of their own.
const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"GET", "/health", 200, Access::kPublic, [](System& s, Call) -> Task<Result<Json>> { co_return s.health(); }},
      {"GET", "/api/health", 200, Access::kPublic, [](System& s, Call) -> Task<Result<Json>> { co_return s.health(); }},
      {"GET", "/.well-known/jwks.json", 200, Access::kPublic,
       [](System& s, Call) -> Task<Result<Json>> { co_return co_await s.jwks(); }},
      // Registration and login.
      {"POST", "/api/register", 201, Access::kPublic,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.register_tenant(std::move(c.body)); }},
      {"POST", "/api/register/confirm", 200, Access::kPublic,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.confirm_registration(std::move(c.body)); }},
      {"POST", "/api/auth/login", 200, Access::kPublic,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.login(std::move(c.body)); }},
      {"POST", "/api/auth/refresh", 200, Access::kPublic,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.refresh(std::move(c.body)); }},
      {"GET", "/api/tenants/{tenant_id}/auth-config", 200, Access::kPublic,
       [](System& s, Call c) -> Task<Result<Json>> { co_return s.auth_config(c.params[0]); }},
      // The agent, its sessions and tools.
      {"POST", "/api/chat", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.chat(std::move(c.token), std::move(c.body)); }},
      {"POST", "/api/sessions", 201, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.create_session(std::move(c.token)); }},
      {"DELETE", "/api/sessions/{session_id}", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.close_session(std::move(c.token), c.params[0]); }},
      // The agent runtime (AgentCore's data plane) and the tool gateway (MCP), reached directly as
      // seed 002's frontend does. The runtime authorizes in its handler: its token check is the
      // layer under test, so the table's missing-token answer must not stand in for it.
      {"POST", "/runtimes/{runtime}/invocations", 200, Access::kPublic,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.invoke_runtime(std::move(c.token), c.params[0], std::move(c.runtime_session_id),
                                             std::move(c.body));
       }},
      {"POST", "/mcp", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.gateway_mcp(std::move(c.token), std::move(c.body)); }},
      {"GET", "/api/mcp/weather/tools", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.weather_tools(std::move(c.token)); }},
      {"POST", "/api/mcp/weather/{tool}", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.run_weather_tool(std::move(c.token), c.params[0], std::move(c.body));
       }},
      {"GET", "/api/mcp/tools", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.weather_tools(std::move(c.token)); }},
      {"POST", "/api/mcp/tools/{tool}", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.run_weather_tool(std::move(c.token), c.params[0], std::move(c.body));
       }},
      // A tenant's own views.
      {"GET", "/api/tenants/{tenant_id}/sessions", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.list_sessions(std::move(c.token), c.params[0]); }},
      {"GET", "/api/tenants/{tenant_id}/usage", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.usage(std::move(c.token), c.params[0]); }},
      {"GET", "/api/tenants/{tenant_id}/subscription", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.subscription(std::move(c.token), c.params[0]); }},
      {"GET", "/api/tenants/{tenant_id}/costs", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.tenant_costs(std::move(c.token), c.params[0], c.window);
       }},
      {"GET", "/api/tenants/{tenant_id}/users/{user_id}/costs", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.user_costs(std::move(c.token), c.params[0], c.params[1], c.window);
       }},
      // Administration.
      {"GET", "/api/admin/my-tenants", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.admin_my_tenants(std::move(c.token)); }},
      {"POST", "/api/admin/add-to-group", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> { co_return co_await s.admin_add_to_group(std::move(c.token), std::move(c.body)); }},
      {"POST", "/api/admin/tenants/{tenant_id}/users", 201, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.admin_create_user(std::move(c.token), c.params[0], std::move(c.body));
       }},
      {"GET", "/api/admin/tenants/{tenant_id}/users/{user_id}/service-cost", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.admin_user_service_cost(std::move(c.token), c.params[0], c.params[1], c.window);
       }},
      {"GET", "/api/admin/tenants/{tenant_id}/overall-cost", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.admin_cost_report(std::move(c.token), c.params[0], "overall-cost", c.window);
       }},
      {"GET", "/api/admin/tenants/{tenant_id}/per-user-cost", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.admin_cost_report(std::move(c.token), c.params[0], "per-user-cost", c.window);
       }},
      {"GET", "/api/admin/tenants/{tenant_id}/service-wise-cost", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.admin_cost_report(std::move(c.token), c.params[0], "service-wise-cost", c.window);
       }},
      {"GET", "/api/admin/tenants/{tenant_id}/comprehensive-report", 200, Access::kToken,
       [](System& s, Call c) -> Task<Result<Json>> {
         co_return co_await s.admin_cost_report(std::move(c.token), c.params[0], "comprehensive-report", c.window);
       }},
  };
  return table;
}

// The table's patterns, split once: matching runs on every request.
const std::vector<std::vector<std::string_view>>& split_patterns() {
  static const std::vector<std::vector<std::string_view>> split = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const auto& r : routes()) out.push_back(segments(r.pattern));
    return out;
  }();
  return split;
}

// Whether `path` fits the pattern; fills the {parameters} when it does.
bool matches(const std::vector<std::string_view>& pat, const std::vector<std::string_view>& path,
             std::vector<std::string>* params) {
  if (pat.size() != path.size()) return false;
  for (size_t i = 0; i < pat.size(); ++i)
    if (pat[i].front() != '{' && pat[i] != path[i]) return false;
  if (params) {
    params->clear();
    for (size_t i = 0; i < pat.size(); ++i)
      if (pat[i].front() == '{') params->emplace_back(path[i]);
  }
  return true;
}

ApiResponse bad_query(std::string detail) {
  return error_response(Error::make(ErrorKind::kBadRequest, "InvalidQuery", std::move(detail)));
}

// ?days=N: a window of the last N days, 1..366; absent means every record.
std::optional<ApiResponse> parse_window(const std::map<std::string, std::string>& query, CostWindow* window) {
  const auto it = query.find("days");
  if (it == query.end()) return std::nullopt;
  const std::string& v = it->second;
  int days = 0;
  bool digits = !v.empty() && v.size() <= 3;
  for (char ch : v) digits = digits && ch >= '0' && ch <= '9';
  if (digits) days = std::stoi(v);
  if (!digits || days < 1 || days > 366) return bad_query("days: must be a whole number of days from 1 to 366, got '" + v + "'");
  window->days = days;
  return std::nullopt;
}

}  // namespace

ApiResponse error_response(const Error& e) {
  ApiResponse r{http_status(e.kind), Json{{"detail", e.message}, {"code", e.name}}, {}, {}};
  if (e.kind == ErrorKind::kTooManyRequests) {
    const auto s = e.retry_after ? e.retry_after->count() : 1;
    r.headers["Retry-After"] = std::to_string(s < 1 ? 1 : s);
    r.body["retry_after_seconds"] = s;
  }
  return r;
}

std::string route_pattern(const std::string& path) {
  const auto s = segments(path);
  for (size_t i = 0; i < routes().size(); ++i)
    if (matches(split_patterns()[i], s, nullptr)) return routes()[i].pattern;
  return {};
}

std::string allowed_methods(const std::string& path) {
  const auto s = segments(path);
  std::string allow;
  for (size_t i = 0; i < routes().size(); ++i)
    if (matches(split_patterns()[i], s, nullptr) && allow.find(routes()[i].method) == std::string::npos)
      allow += (allow.empty() ? "" : ", ") + std::string(routes()[i].method);
  return allow;
}

std::string percent_decode(std::string_view in, bool plus_is_space) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (plus_is_space && in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  const auto decode = [](std::string_view in) { return percent_decode(in, true); };
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out[decode(pair.substr(0, eq))] = eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
  }
  return out;
}

Task<ApiResponse> route(System& sys, ApiRequest req) {
  // Ids from the path and values from the query reach error messages, logs and stored items: text
  // that is not UTF-8 is the client's fault, answered before it reaches any of them.
  bool readable = valid_utf8(req.path);
  for (const auto& [k, v] : req.query) readable = readable && valid_utf8(k) && valid_utf8(v);
  if (!readable)
    co_return error_response(Error::make(ErrorKind::kBadRequest, "InvalidEncoding",
                                         "the path and the query parameters must be UTF-8 text"));
  const auto s = segments(req.path);
  const Route* found = nullptr;
  Call call;
  bool path_known = false;
  for (size_t i = 0; i < routes().size(); ++i) {
    const Route& r = routes()[i];
    if (!matches(split_patterns()[i], s, &call.params)) continue;
    path_known = true;
    if (req.method != r.method) continue;
    found = &r;
    break;
  }
  if (!found && !path_known)
    co_return error_response(Error::make(ErrorKind::kNotFound, "NotFound", "no such endpoint: " + req.path));
  if (!found) {
    // 405 with the Allow header RFC 9110 requires.
    const std::string allow = allowed_methods(req.path);
    ApiResponse r = error_response(
        Error::make(ErrorKind::kMethodNotAllowed, "MethodNotAllowed", req.path + " takes " + allow + ", not " + req.method));
    r.headers["Allow"] = allow;
    r.route = route_pattern(req.path);
    co_return r;
  }
  auto tagged = [found](ApiResponse r) {
    r.route = found->pattern;
    return r;
  };
  if (auto bad = parse_window(req.query, &call.window)) co_return tagged(*bad);
  call.body = Json::object();
  if (req.method == "POST" && (req.parsed_body || !req.body.empty())) {
    call.body = req.parsed_body ? std::move(*req.parsed_body) : parse_json(req.body);
    if (call.body.is_discarded() || !call.body.is_object())
      co_return tagged(error_response(Error::make(ErrorKind::kBadRequest, "InvalidJson", fmt::format("request body is not a JSON object (nested at most {} levels)", kMaxJsonDepth))));
  }
  call.token = bearer(req.authorization);
  if (auto h = req.headers.find(kRuntimeSessionHeader); h != req.headers.end()) call.runtime_session_id = h->second;
  if (found->access == Access::kToken) {
    // Needs a token: say so before anything else about the request.
    if (call.token.empty())
      co_return tagged(error_response(Error::make(ErrorKind::kUnauthorized, "MissingToken", "Authorization: Bearer <token> is required")));
  }
  const char* pattern = found->pattern;
  ApiResponse out;
  try {
    auto result = co_await found->handler(sys, std::move(call));
    out = result.ok() ? ApiResponse{found->status, std::move(result).value(), {}, {}} : error_response(result.error());
  } catch (const std::exception& e) {
    // An exception out of the system (a bug, or a port that broke its no-throw contract) is a 500,
    // here where both drivers meet: in process it would otherwise end the run with
    // std::terminate in whichever actor made the request, and over HTTP each server would need
    // its own catch. The oracle sees a 5xx like any other.
    out = error_response(Error::make(ErrorKind::kInternal, "InternalError", e.what()));
  }
  out.route = pattern;
  co_return out;
}

}  // namespace tenantsim
