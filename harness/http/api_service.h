// ApiService: the system's REST API as an http::Handler, the pure request handling that the
// HttpServer skeleton calls. It adds what HTTP needs and the router does not know: the query
// string, the content type, CORS, /metrics, an access log, and the fakes' control endpoint that
// stands in for Cognito's confirmation e-mail. Routing, auth and every rule stay in core.
//
// Threading: the system (core and the fakes) runs on one thread, its loop; connections run on the
// server's threads. handle() is called on a connection's strand, posts the call to the loop, and
// the answer is posted back by the skeleton. Every guarantee core gives in simulation (no limit
// overshoot, no lost usage record) therefore holds unchanged over HTTP, with no lock in core.
#pragma once

// Asio's coroutine headers need <utility> first with GCC 12 and Boost 1.74.
#include <utility>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <mutex>
#include <ostream>
#include <set>
#include <string>

#include "core/api/router.h"
#include "harness/http/http_server.h"
#include "harness/http/metrics.h"

namespace tenantsim::http {

struct ApiServiceOptions {
  // Origins whose pages may call the API from a browser ("*" for any). Empty: no CORS headers.
  std::set<std::string> cors_origins;
  // The confirmation code Cognito would have e-mailed, for GET /_fake/cognito/confirmation-code.
  // Unset: the endpoint answers 404 (a server in front of real Cognito has no such thing).
  std::function<std::string(const std::string& tenant_id, const std::string& username)> confirmation_code;
  std::ostream* access_log = nullptr;  // JSON lines, one per request
  // What a caller of /_fake/* must show (harness/http/control_secret.h); empty refuses them all.
  std::string control_secret;
};

class ApiService {
 public:
  // `server` renders answers on its threads, so the system's one thread only runs the system.
  ApiService(System& system, boost::asio::io_context& system_loop, Server& server, ApiServiceOptions options);

  void handle(Request request, Responder respond);

  const ServeMetrics& metrics() const { return metrics_; }

 private:
  // Everything but the system's own routes, answered on the connection's strand. False: a route.
  bool answer_locally(const Request& req, const std::string& path, const std::string& query, Responder& respond,
                      std::chrono::steady_clock::time_point received);
  void finish(const Request& req, const std::string& path, Response resp, const std::string& route, const std::string& code,
              const std::string& tier, std::chrono::steady_clock::time_point received, Responder& respond);

  System& system_;
  boost::asio::io_context& loop_;
  Server& server_;
  const ServerStats& stats_;
  ApiServiceOptions options_;
  ServeMetrics metrics_;
  std::mutex log_mu_;
};

}  // namespace tenantsim::http
