// `tenantsim fakes serve` in the test's own process, on a free port of 127.0.0.1: what the
// client contract tests point our libcurl clients at.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "harness/http/control_secret.h"
#include "harness/http/fakes_service.h"

namespace tenantsim::testing {

class InProcessFakesServe {
 public:
  explicit InProcessFakesServe(http::FakesServiceOptions options = {})
      : service_(with_secret(std::move(options))),
        server_(http::Limits{}, [this](http::Request r, http::Responder d) { service_.handle_async(std::move(r), std::move(d)); }) {
    port_ = server_.listen("127.0.0.1", 0);
    // Where the clients of this machine find the control secret, as `fakes serve` leaves it.
    secret_file_ = std::make_unique<http::ControlSecretFile>(port_, secret_);
    thread_ = std::thread([this] { server_.run(2); });
  }
  ~InProcessFakesServe() {
    server_.stop();
    thread_.join();
  }
  InProcessFakesServe(const InProcessFakesServe&) = delete;
  InProcessFakesServe& operator=(const InProcessFakesServe&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  http::FakesServiceOptions with_secret(http::FakesServiceOptions o) {
    if (o.control_secret.empty()) o.control_secret = http::make_control_secret();
    secret_ = o.control_secret;
    return o;
  }

  std::string secret_;  // before service_: with_secret() sets it while service_ is made
  std::unique_ptr<http::ControlSecretFile> secret_file_;
  http::FakesService service_;
  http::Server server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// One server for a whole test executable, stopped (its threads joined) when the tests end, before
// the process exits: a server thread still running at exit would leave OpenSSL's per-thread state
// for the leak checker to find.
inline InProcessFakesServe& shared_fakes_serve() {
  struct Holder : ::testing::Environment {
    std::unique_ptr<InProcessFakesServe> server = std::make_unique<InProcessFakesServe>();
    void TearDown() override { server.reset(); }
  };
  static Holder* holder = [] {
    auto* h = new Holder;  // gtest owns environments
    ::testing::AddGlobalTestEnvironment(h);
    return h;
  }();
  return *holder->server;
}

}  // namespace tenantsim::testing
