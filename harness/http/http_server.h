// HttpServer: the one HTTP/1.1 server skeleton of tenantsim (Beast's async server shape: a
// listener, a session per connection, and the request handling a pure function outside it).
// `tenantsim serve` puts the system's REST API behind it; `tenantsim fakes serve` will put the
// fakes' wire protocols behind the same class. It knows nothing of tenants or AWS.
//
// What it guarantees every handler, so no handler repeats it:
//  - limits: request headers over max_header_bytes -> 431, a body over max_body_bytes -> 413, any
//    other unparsable request -> 400; each closes the connection (the stream is out of sync);
//  - timeouts: a connection idle between requests is closed after idle_timeout; once a request has
//    started it must arrive whole within read_timeout (a slow client cannot hold a connection);
//    a response must be taken within write_timeout;
//  - at most max_connections open; one more is answered 503 with Retry-After and closed;
//  - keep-alive and pipelined requests, answered in order; `Expect: 100-continue` honoured;
//  - stop(): no new connections, requests in flight are answered (with Connection: close),
//    idle connections are closed; run() returns when the last connection is gone.
//
// Threads: run(n) serves on n threads; each connection lives on its own strand. The handler is
// called on a connection's strand and may answer later from any thread (the Responder posts back).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tenantsim::http {

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // path and query string, as sent: "/api/x?days=7"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // "127.0.0.1:53422", for access logs only

  // The first header of that (lower-case) name, or "".
  const std::string& header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers the request exactly once, from any thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request, Responder)>;

struct Limits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{10'000};
  size_t max_connections = 1024;
  std::string server_name = "tenantsim";
};

struct ServerStats {
  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> rejected_over_capacity{0};
  std::atomic<int64_t> in_flight{0};
  std::atomic<int64_t> timed_out{0};
  std::atomic<int64_t> malformed{0};
  // Exceptions out of a handler, answered 500 or caught by the loop: a bug of ours, never a crash.
  std::atomic<int64_t> handler_exceptions{0};
};

class Server {
 public:
  Server(Limits limits, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port (useful with port 0). Throws std::invalid_argument
  // when `address` is not an IP address, std::runtime_error naming the address and the reason
  // when it cannot be bound.
  uint16_t listen(const std::string& address, uint16_t port);
  // Serves on `threads` threads (the caller's is one of them) until stop() has drained every
  // connection.
  void run(int threads);
  // Graceful stop; safe from any thread and from a signal-handling callback.
  void stop();

  const ServerStats& stats() const;
  // Runs `work` on one of the server's threads (not on any connection's strand): for handlers that
  // answer from elsewhere and want the rendering of their answer off their own thread.
  void post(std::function<void()> work);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// "404 Not Found"-style reason phrase of a status, for logs and error bodies.
std::string_view reason(int status);

}  // namespace tenantsim::http
