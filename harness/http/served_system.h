// ServedSystem: the system on its fakes, in wall-clock time, behind the HTTP server skeleton: what
// `tenantsim serve` runs, and what the server tests (and `load --target inprocess`) start in
// process. Two kinds of threads: the system's loop (one thread: core, the fakes and their timers)
// and the connection threads of the http::Server (see ApiService for why).
#pragma once

// Asio's coroutine headers need <utility> first with GCC 12 and Boost 1.74.
#include <utility>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <thread>

#include "harness/http/api_service.h"
#include "harness/http/control_secret.h"
#include "harness/http/http_server.h"
#include "harness/http/wall_clock.h"
#include "harness/run.h"
#include "harness/world.h"

namespace tenantsim {

namespace detail {
// Runs a task to completion on a loop that no other thread runs (yet, or any more); rethrows what
// it threw.
template <class T>
T run_on(boost::asio::io_context& loop, Task<T> task) {
  std::optional<T> out;
  std::exception_ptr thrown;
  spawn(capture_result(std::move(task), &out, &thrown));
  loop.restart();
  while (!out && !thrown && loop.run_one()) {
  }
  if (thrown) std::rethrow_exception(thrown);
  if (!out) throw std::logic_error("task still suspended with no work left");
  return std::move(*out);
}
}  // namespace detail

struct ServeOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  int threads = 2;    // connection threads
  http::Limits limits;
  WorldOptions world;                      // wall_clock is set by start()
  const LoadedScenario* scenario = nullptr;  // faults and capacity, when given
  http::ApiServiceOptions api;             // confirmation_code is set by start() when fake_control
  bool fake_control = true;

  // The scenario's tier table, prices, faults and capacity. REQUIRES: `s` outlives start().
  void use_scenario(const LoadedScenario& s) {
    world.tiers_doc = s.tiers_doc;
    world.prices_doc = s.prices_doc;
    world.runtime_size = RuntimeSize{s.scenario.agent_runtime.vcpus, s.scenario.agent_runtime.memory_mb};
    scenario = &s;
  }
};

class ServedSystem {
 public:
  // Builds the world, starts the system, listens and serves in the background. Errors: bad
  // configuration (kBadRequest) or an address that cannot be bound (kUnavailable).
  static Result<std::unique_ptr<ServedSystem>> start(ServeOptions options);
  ~ServedSystem();

  uint16_t port() const { return port_; }
  // What a caller of GET /_fake/cognito/confirmation-code shows (harness/http/control_secret.h),
  // also in the file control_secret_file(port()) while the server runs; "" without fake_control.
  const std::string& control_secret() const { return control_secret_; }
  World& world() { return *world_; }
  const http::ServerStats& stats() const { return server_->stats(); }
  const http::ServeMetrics& metrics() const { return api_->metrics(); }

  // Graceful stop: no new connections, requests in flight are answered. Any thread.
  void stop();
  // Writes what metering's outbox holds (retrying failed writes) while serving goes on; returns
  // the records still unwritten. Any thread but the system's.
  size_t flush_metering();
  // A token of `claims_json` signed with the key of the fakes' user pool `pool_id`, made on the
  // system's loop: what an attacker replays (an expired token, another app client's). Any thread
  // but the system's.
  std::string sign_claims(const std::string& pool_id, const std::string& claims_json);
  // Blocks until every connection is gone, then writes what metering holds and stops the system
  // loop. Returns the usage records that could still not be written. Call once, after stop().
  size_t wait();
  // Runs `task` on the system's loop once serving is over, to read what the system kept (its usage
  // tables) as a finished run does. REQUIRES: wait() has returned.
  template <class T>
  T run_after_wait(Task<T> task) {
    return detail::run_on(loop_, std::move(task));
  }

 private:
  ServedSystem() = default;

  boost::asio::io_context loop_;
  std::unique_ptr<WallClock> clock_;
  std::unique_ptr<World> world_;
  std::unique_ptr<http::ApiService> api_;
  std::unique_ptr<http::Server> server_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread system_thread_;
  std::thread server_thread_;
  uint16_t port_ = 0;
  std::string control_secret_;
  std::unique_ptr<http::ControlSecretFile> secret_file_;
  bool waited_ = false;
};

}  // namespace tenantsim
