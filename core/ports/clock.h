// Clock: the only source of time for the system and the fakes. A virtual clock for simulation
// (time jumps to the next timer), a steady wall clock for load runs. Daily and monthly windows,
// token expiry and session duration all read it, so core never knows whether time is real.
#pragma once

#include <coroutine>

#include "core/base/time.h"

namespace tenantsim {

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  // The current time. Monotonic non-decreasing. Safe to call from any thread.
  virtual Time now() const = 0;

  // Arranges for h to be resumed once now() >= at, on the loop that drives this clock.
  // Timers with the same `at` resume in the order they were scheduled.
  virtual void wake_at(Time at, std::coroutine_handle<> h) = 0;
};

// co_await sleep_until(clock, t): suspends until clock.now() >= t (no suspension if it already is).
struct SleepUntil {
  Clock& clock;
  Time at;
  bool await_ready() const { return clock.now() >= at; }
  void await_suspend(std::coroutine_handle<> h) { clock.wake_at(at, h); }
  void await_resume() const noexcept {}
};
inline SleepUntil sleep_until(Clock& clock, Time at) { return SleepUntil{clock, at}; }
inline SleepUntil sleep_for(Clock& clock, Duration d) { return SleepUntil{clock, clock.now() + d}; }

}  // namespace tenantsim
