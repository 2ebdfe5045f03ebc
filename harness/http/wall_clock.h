// WallClock: real time for a served or load-driven system, the counterpart of VirtualClock. now()
// is the Unix time at construction plus a steady clock's elapsed time (so it never steps back when
// NTP adjusts the system clock, and tokens carry real iat/exp that outside clients accept). Timers
// resume their coroutine on the io_context given, which must be the one thread that runs the
// system, as the virtual loop is in a simulation.
#pragma once

// Asio's coroutine headers need <utility> first with GCC 12 and Boost 1.74.
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "core/ports/clock.h"

namespace tenantsim {

class WallClock final : public Clock {
 public:
  explicit WallClock(boost::asio::io_context& loop)
      : loop_(loop),
        origin_(std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch())),
        steady_origin_(std::chrono::steady_clock::now()) {}

  Time now() const override {
    return Time{origin_ + std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - steady_origin_)};
  }

  // REQUIRES: called on the loop's thread (every caller is a coroutine the loop resumed).
  void wake_at(Time at, std::coroutine_handle<> h) override {
    auto timer = std::make_shared<boost::asio::steady_timer>(loop_);
    timer->expires_at(steady_origin_ + (at.time_since_epoch() - origin_));
    timer->async_wait([timer, h](const boost::system::error_code&) { h.resume(); });
  }

 private:
  boost::asio::io_context& loop_;
  Duration origin_;
  std::chrono::steady_clock::time_point steady_origin_;
};

}  // namespace tenantsim
