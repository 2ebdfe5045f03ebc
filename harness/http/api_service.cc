#include "harness/http/api_service.h"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "core/base/json_text.h"
#include "harness/http/control_secret.h"
#include "harness/token_forge.h"

namespace tenantsim::http {

namespace {

using Clock = std::chrono::steady_clock;

Response json_response(int status, const Json& body) {
  return Response{status, {{"Content-Type", "application/json"}}, to_json_text(body)};
}

Response error(int status, const std::string& code, const std::string& detail) {
  return json_response(status, Json{{"detail", detail}, {"code", code}});
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A body is JSON when its media type is application/json or a +json type, any parameters aside.
bool is_json(const std::string& content_type) {
  std::string type = lower(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  return type == "application/json" || (type.starts_with("application/") && type.ends_with("+json"));
}

}  // namespace

ApiService::ApiService(System& system, boost::asio::io_context& system_loop, Server& server, ApiServiceOptions options)
    : system_(system), loop_(system_loop), server_(server), stats_(server.stats()), options_(std::move(options)) {}

void ApiService::handle(Request req, Responder respond) {
  const auto received = Clock::now();
  const size_t q = req.target.find('?');
  std::string path = req.target.substr(0, q);
  std::string query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  if (answer_locally(req, path, query, respond, received)) return;

  ApiRequest api{req.method, path, req.header("authorization"), {}, parse_query(query), {}, {}};
  // JSON is parsed here, on the connection's thread: the system's thread only runs the system.
  if (!req.body.empty()) api.parsed_body = parse_json(req.body);
  if (const std::string& sid = req.header(kRuntimeSessionHeader); !sid.empty()) api.headers[kRuntimeSessionHeader] = sid;
  boost::asio::post(loop_, [this, api = std::move(api), req = std::move(req), path = std::move(path),
                            respond = std::move(respond), received]() mutable {
    auto run = [](ApiService* self, ApiRequest a, Request r, std::string p, Responder done,
                  Clock::time_point at) -> Task<void> {
      ApiResponse out = co_await route(self->system_, std::move(a));  // never throws: see route()
      // Rendering, metrics and the access log run on a server thread.
      self->server_.post([self, out = std::move(out), r = std::move(r), p = std::move(p), done = std::move(done), at]() mutable {
        try {
          // The caller's tier, for the metrics: read from the token of a request the router answered
          // 2xx (so verified, where the route takes one); the tenant directory is safe from any thread.
          std::string tier;
          const std::string& auth = r.header("authorization");
          if (out.status < 300 && auth.starts_with("Bearer ")) {
            const Json claims = decode_jwt(auth.substr(7)).payload;
            if (claims.is_object() && claims.contains("custom:tenant_id") && claims["custom:tenant_id"].is_string())
              if (auto t = self->system_.tenants().find(claims["custom:tenant_id"].get<std::string>())) tier = t->tier;
          }
          Response resp = json_response(out.status, out.body);
          for (const auto& [k, v] : out.headers) resp.headers.emplace_back(k, v);
          const std::string code = out.status >= 400 && out.body.is_object() ? out.body.value("code", "") : "";
          self->finish(r, p, std::move(resp), out.route, code, tier, at, done);
        } catch (const std::exception& e) {
          // A bug of ours in rendering: the client still gets an answer, and the server goes on.
          done(error(500, "InternalError", e.what()));
        }
      });
    };
    spawn(run(this, std::move(api), std::move(req), std::move(path), std::move(respond), received));
  });
}

bool ApiService::answer_locally(const Request& req, const std::string& path, const std::string& query,
                                Responder& respond, Clock::time_point received) {
  auto local = [&](Response resp, const std::string& route, const std::string& code = "") {
    finish(req, path, std::move(resp), route, code, "", received, respond);
    return true;
  };
  // CORS preflight: what the browser asks before a cross-origin call with a token or a JSON body.
  if (req.method == "OPTIONS") {
    const std::string allow = allowed_methods(path);
    if (allow.empty()) return local(error(404, "NotFound", "no such endpoint: " + path), "");
    Response r{204, {{"Allow", allow + ", OPTIONS"}}, {}};
    if (!req.header("access-control-request-method").empty()) {
      const std::string& origin = req.header("origin");
      if (options_.cors_origins.empty() || (!options_.cors_origins.count("*") && !options_.cors_origins.count(origin)))
        return local(error(403, "CorsOriginNotAllowed", "origin '" + origin + "' may not call this API"), route_pattern(path),
                     "CorsOriginNotAllowed");
      r.headers.emplace_back("Access-Control-Allow-Methods", allow + ", OPTIONS");
      r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
      r.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return local(std::move(r), route_pattern(path));
  }
  // Two credentials in one request: which one a proxy, a cache or this server would act on is
  // anybody's guess (RFC 9110 allows Authorization once), so none is chosen.
  if (std::count_if(req.headers.begin(), req.headers.end(), [](const auto& h) { return h.first == "authorization"; }) > 1)
    return local(error(400, "DuplicateAuthorization", "the request carries more than one Authorization header"),
                 route_pattern(path), "DuplicateAuthorization");
  // Liveness answers on the connection's thread: it must not queue behind the system's work.
  if ((path == "/health" || path == "/api/health") && req.method == "GET")
    return local(json_response(200, system_.health()), path);
  if (path == "/metrics") {
    if (req.method != "GET") {
      Response r = error(405, "MethodNotAllowed", "/metrics takes GET");
      r.headers.emplace_back("Allow", "GET");
      return local(std::move(r), "/metrics", "MethodNotAllowed");
    }
    return local(Response{200, {{"Content-Type", "text/plain; version=0.0.4"}}, metrics_.render(stats_)}, "/metrics");
  }
  if (path == "/_fake/cognito/confirmation-code") {
    if (!options_.confirmation_code) return local(error(404, "NotFound", "no such endpoint: " + path), "", "NotFound");
    if (auto refused = guard_control(req, options_.control_secret)) return local(std::move(*refused), path, "ControlSecretRequired");
    const auto params = parse_query(query);
    const auto t = params.find("tenant_id"), u = params.find("username");
    if (t == params.end() || u == params.end())
      return local(error(400, "InvalidQuery", "tenant_id and username are required"), path, "InvalidQuery");
    const std::string code = options_.confirmation_code(t->second, u->second);
    if (code.empty()) return local(error(404, "NoCodeSent", "no confirmation code was sent to that user"), path, "NoCodeSent");
    return local(json_response(200, Json{{"tenant_id", t->second}, {"username", u->second}, {"code", code}}), path);
  }
  if (!req.body.empty() && !is_json(req.header("content-type")))
    return local(error(400, "UnsupportedContentType",
                       "the body must be JSON (Content-Type: application/json), got '" + req.header("content-type") + "'"),
                 route_pattern(path), "UnsupportedContentType");
  return false;
}

void ApiService::finish(const Request& req, const std::string& path, Response resp, const std::string& route,
                        const std::string& code, const std::string& tier, Clock::time_point received, Responder& respond) {
  const std::string& origin = req.header("origin");
  if (!origin.empty() && (options_.cors_origins.count("*") || options_.cors_origins.count(origin))) {
    resp.headers.emplace_back("Access-Control-Allow-Origin", origin);
    resp.headers.emplace_back("Access-Control-Expose-Headers", "Retry-After");
    resp.headers.emplace_back("Vary", "Origin");
  }
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - received);
  metrics_.record(req.method, route, resp.status, code, tier, latency);
  if (options_.access_log) {
    const Json line = {{"time", to_iso8601(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()))},
                       {"remote", req.remote},   {"method", req.method}, {"path", path},
                       {"route", route},         {"status", resp.status}, {"code", code},
                       {"micros", latency.count()}};
    std::lock_guard lock(log_mu_);
    *options_.access_log << to_json_text(line) << '\n' << std::flush;
  }
  respond(std::move(resp));
}

}  // namespace tenantsim::http
