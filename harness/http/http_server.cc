#include "harness/http/http_server.h"

// Asio's coroutine headers need <utility> first with GCC 12 and Boost 1.74.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/base/json_text.h"

namespace tenantsim::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

const std::string& Request::header(std::string_view name) const {
  static const std::string kNone;
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return kNone;
}

std::string_view reason(int status) {
  const auto r = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  return {r.data(), r.size()};
}

namespace {

// A connection's mutable state, shared with stop() so it can wake a connection that waits idle.
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool idle = false;  // waiting for the first byte of a request; touched on the strand only
};

bhttp::response<bhttp::string_body> to_beast(const Response& r, const Limits& limits, bool keep_alive, unsigned version) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r.status), version};
  out.set(bhttp::field::server, limits.server_name);
  for (const auto& [k, v] : r.headers) out.insert(k, v);
  out.body() = r.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

// The error answer the skeleton gives on its own (limits, parse errors, capacity): a JSON body in
// the same {"detail", "code"} shape the API uses, so clients parse one error format.
Response own_error(int status, std::string_view code, std::string_view detail) {
  // Through the JSON library: a detail carries error messages, which may hold quotes.
  return Response{status, {{"Content-Type", "application/json"}},
                  to_json_text(nlohmann::json{{"detail", std::string(detail)}, {"code", std::string(code)}})};
}

}  // namespace

// The Impl outlives every coroutine on its io_context: run() returns only when they have all
// ended, and destroying the io_context (a member) destroys any that never ran. So the coroutines
// hold a plain pointer to it, and nothing holds the Impl in a cycle.
struct Server::Impl {
  Impl(Limits l, Handler h)
      : limits(std::move(l)), handler(std::move(h)), accept_strand(asio::make_strand(ioc)), acceptor(accept_strand) {}

  Limits limits;
  Handler handler;
  asio::io_context ioc;
  // The acceptor is not thread-safe: the accept loop and stop() both use it on this strand.
  asio::strand<asio::io_context::executor_type> accept_strand;
  tcp::acceptor acceptor;
  ServerStats stats;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<std::shared_ptr<Connection>> connections;

  awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(ioc), asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      stats.accepted++;
      // Answers are small and written whole: Nagle's algorithm would only hold them back behind
      // the client's delayed ACK on a keep-alive connection.
      socket.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_shared<Connection>(std::move(socket));
      const auto ex = conn->stream.get_executor();
      if (static_cast<size_t>(stats.open_connections.load()) >= limits.max_connections) {
        stats.rejected_over_capacity++;
        asio::co_spawn(ex, reject(conn), asio::detached);
        continue;
      }
      stats.open_connections++;
      {
        std::lock_guard lock(mu);
        connections.insert(conn);
      }
      asio::co_spawn(ex, session(conn), asio::detached);
    }
  }

  awaitable<void> reject(std::shared_ptr<Connection> conn) {
    Response r = own_error(503, "TooManyConnections", "the server is at its connection limit; retry shortly");
    r.headers.emplace_back("Retry-After", "1");
    auto msg = to_beast(r, limits, false, 11);
    beast::error_code ec;
    conn->stream.expires_after(limits.write_timeout);
    co_await bhttp::async_write(conn->stream, msg, asio::redirect_error(use_awaitable, ec));
    conn->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  // Answers an unreadable request and ends the connection; the stream cannot be resynchronised.
  awaitable<void> refuse(Connection& c, const beast::error_code& why) {
    Response r;
    if (why == bhttp::error::header_limit)
      r = own_error(431, "RequestHeaderFieldsTooLarge",
                    "request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes");
    else if (why == bhttp::error::body_limit)
      r = own_error(413, "PayloadTooLarge", "request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
    else
      r = own_error(400, "MalformedRequest", "the request is not valid HTTP/1.1 (" + why.message() + ")");
    stats.malformed++;
    auto msg = to_beast(r, limits, false, 11);
    beast::error_code ec;
    c.stream.expires_after(limits.write_timeout);
    co_await bhttp::async_write(c.stream, msg, asio::redirect_error(use_awaitable, ec));
  }

  // Calls the handler and resumes on the connection's strand with its answer.
  // (The handler may answer on another thread; resuming the coroutine there would run the
  // connection off its strand, so the answer is posted to `ex`, the connection's strand.)
  template <class Executor>
  awaitable<Response> async_handle(Request req, Executor ex) {
    return asio::async_initiate<decltype(use_awaitable), void(Response)>(
        [this, ex](auto done, Request r) {
          auto shared = std::make_shared<decltype(done)>(std::move(done));
          auto respond = [shared, ex](Response resp) {
            asio::post(ex, [shared, resp = std::move(resp)]() mutable { (*shared)(std::move(resp)); });
          };
          // A handler that throws before answering is a bug of ours, answered 500: out of here the
          // exception would end io_context::run, and with it the process.
          try {
            handler(std::move(r), respond);
          } catch (const std::exception& e) {
            stats.handler_exceptions++;
            respond(own_error(500, "InternalError", e.what()));
          }
        },
        use_awaitable, std::move(req));
  }

  awaitable<void> session(std::shared_ptr<Connection> conn) {
    Connection& c = *conn;
    beast::flat_buffer buffer;
    beast::error_code ec;
    std::string remote;
    {
      auto ep = c.stream.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    for (bool keep_alive = true; keep_alive;) {
      if (buffer.size() == 0) {
        // Idle between requests: stop() may cancel this wait, and idle_timeout ends it.
        if (stopping) break;
        c.idle = true;
        c.stream.expires_after(limits.idle_timeout);
        const size_t n = co_await c.stream.async_read_some(buffer.prepare(4096), asio::redirect_error(use_awaitable, ec));
        c.idle = false;
        if (ec) {
          if (ec == beast::error::timeout) stats.timed_out++;
          break;
        }
        buffer.commit(n);
      }
      // A request has begun: all of it must arrive within read_timeout.
      c.stream.expires_after(limits.read_timeout);
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      parser.body_limit(limits.max_body_bytes);
      co_await bhttp::async_read_header(c.stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (!ec && parser.get()[bhttp::field::expect] == "100-continue" && !parser.is_done()) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        co_await bhttp::async_write(c.stream, cont, asio::redirect_error(use_awaitable, ec));
      }
      if (!ec && !parser.is_done()) co_await bhttp::async_read(c.stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (ec == beast::error::timeout) {
          stats.timed_out++;  // the stream closed the socket: nobody to answer
        } else if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
                   ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
          co_await refuse(c, ec);
        }
        break;
      }
      auto req = parser.release();
      // A request target is ASCII (RFC 9112, RFC 3986): raw bytes beyond it are refused here, before
      // any handler copies them into an answer or a log.
      const std::string_view raw_target(req.target().data(), req.target().size());
      if (!std::all_of(raw_target.begin(), raw_target.end(), [](char ch) { return ch > 0x20 && ch < 0x7f; })) {
        stats.malformed++;
        keep_alive = req.keep_alive() && !stopping;
        auto msg = to_beast(own_error(400, "InvalidRequestTarget", "the request target must be printable ASCII (percent-encode other bytes)"),
                            limits, keep_alive, req.version());
        c.stream.expires_after(limits.write_timeout);
        co_await bhttp::async_write(c.stream, msg, asio::redirect_error(use_awaitable, ec));
        if (ec) break;
        continue;
      }
      Request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
        r.headers.emplace_back(std::move(name), std::string(f.value()));
      }
      r.body = std::move(req.body());
      r.remote = remote;
      const unsigned version = req.version();
      keep_alive = req.keep_alive();

      // No deadline while the handler works: a request is never cut off mid-way by the server.
      c.stream.expires_never();
      stats.in_flight++;
      Response resp = co_await async_handle(std::move(r), c.stream.get_executor());
      stats.in_flight--;
      keep_alive = keep_alive && !stopping;
      auto msg = to_beast(resp, limits, keep_alive, version);
      c.stream.expires_after(limits.write_timeout);
      co_await bhttp::async_write(c.stream, msg, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (ec == beast::error::timeout) stats.timed_out++;
        break;
      }
    }
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    c.stream.close();
    {
      std::lock_guard lock(mu);
      connections.erase(conn);
    }
    stats.open_connections--;
  }

  void stop() {
    if (stopping.exchange(true)) return;
    asio::post(accept_strand, [this] {
      beast::error_code ec;
      acceptor.close(ec);
      std::lock_guard lock(mu);
      for (const auto& conn : connections)
        asio::post(conn->stream.get_executor(), [conn] {
          if (conn->idle) conn->stream.cancel();
        });
    });
  }
};

Server::Server(Limits limits, Handler handler) : impl_(std::make_unique<Impl>(std::move(limits), std::move(handler))) {}

Server::~Server() {
  // run() has returned (every connection is gone) or never ran: nothing is left to drain.
  impl_->stopping = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  impl_->ioc.stop();
}

uint16_t Server::listen(const std::string& address, uint16_t port) {
  beast::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) throw std::invalid_argument("--bind: '" + address + "' is not an IP address");
  const tcp::endpoint ep{addr, port};
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  asio::co_spawn(impl_->accept_strand, impl_->accept_loop(), asio::detached);
  return a.local_endpoint().port();
}

void Server::run(int threads) {
  // The last line of defence: an exception out of a completion handler (handlers answer their own,
  // see async_handle) is counted and the loop goes on, so no request can end the process.
  auto run_loop = [this] {
    for (;;) {
      try {
        impl_->ioc.run();
        return;
      } catch (const std::exception&) {
        impl_->stats.handler_exceptions++;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(run_loop);
  run_loop();
  for (auto& t : pool) t.join();
}

void Server::stop() { impl_->stop(); }

void Server::post(std::function<void()> work) { asio::post(impl_->ioc, std::move(work)); }

const ServerStats& Server::stats() const { return impl_->stats; }

}  // namespace tenantsim::http
