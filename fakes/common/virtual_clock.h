// VirtualClock: simulated time for the fakes and the system (FoundationDB's Sim2 idea). now() only
// moves when the loop runs: run() resumes timers in (time, order scheduled) order and jumps the
// clock to each, so a simulated month takes as long as its events take to compute, not a month.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <queue>
#include <stdexcept>
#include <vector>

#include "core/base/rng.h"
#include "core/base/task.h"
#include "core/ports/clock.h"

namespace tenantsim {

class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(Time start) : now_(start.time_since_epoch().count()) {}

  Time now() const override { return Time{Duration{now_.load(std::memory_order_acquire)}}; }
  // REQUIRES: called from the thread that runs the loop.
  void wake_at(Time at, std::coroutine_handle<> h) override;

  // Moves time forward without running anything. REQUIRES: t >= now().
  void advance_to(Time t);
  void advance(Duration d) { advance_to(now() + d); }
  // Sets the time, backwards too. REQUIRES: no timer pending. For a clock that follows other
  // clocks (`fakes serve --clock caller`): each call starts at its caller's time, whatever the
  // call before it slept, so concurrent callers' calls do not pile their latencies into one time.
  void rewind_to(Time t);

  // Runs timers until none are left, or the next is after `until`; then time stands at `until`
  // (or at the last timer run when no limit is given). Returns how many timers ran.
  uint64_t run_until(Time until);
  uint64_t run();
  bool idle() const { return timers_.empty(); }

  // Schedule perturbation (FoundationDB's simulator): from now on, timers due at the same instant
  // resume in an order drawn from `rng`, not in the order they were set, and one timer in four
  // wakes up to `max_extra_delay` late (a uniform draw; never early). Code whose outcome hangs on
  // the order or the spacing of events (a race between two requests of one user, a reply that
  // overtakes another) then shows it without a fault plan adding latency, and the run stays
  // deterministic per seed. Off until called.
  void perturb(Rng rng, Duration max_extra_delay = Duration{0}) {
    perturb_rng_ = rng;
    max_extra_delay_ = max_extra_delay.count();
  }

 private:
  struct Timer {
    int64_t at;
    uint64_t tie;  // among timers at one instant: the order set, or a seeded draw when perturbed
    uint64_t seq;  // the order set: a tie of draws still resolves the same way every run
    std::coroutine_handle<> h;
    bool operator>(const Timer& o) const {
      if (at != o.at) return at > o.at;
      return tie != o.tie ? tie > o.tie : seq > o.seq;
    }
  };
  std::atomic<int64_t> now_;
  uint64_t seq_ = 0;
  std::optional<Rng> perturb_rng_;
  int64_t max_extra_delay_ = 0;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
};

namespace detail {
// Catches what `t` throws: spawn() must be given a task that does not throw (an exception there
// ends the process), and the caller of run_to_completion should get it back instead.
template <class T>
Task<void> capture_result(Task<T> t, std::optional<T>* out, std::exception_ptr* thrown) {
  try {
    out->emplace(co_await t);
  } catch (...) {
    *thrown = std::current_exception();
  }
}
inline Task<void> capture_done(Task<void> t, bool* done, std::exception_ptr* thrown) {
  try {
    co_await t;
    *done = true;
  } catch (...) {
    *thrown = std::current_exception();
  }
}
}  // namespace detail

// Runs `t` on the clock's loop until the loop is idle and returns its result, or rethrows what it
// threw. For tests, benchmarks and drivers that want one call's answer. REQUIRES: `t` finishes
// once the loop is idle.
template <class T>
T run_to_completion(VirtualClock& clock, Task<T> t) {
  std::optional<T> out;
  std::exception_ptr thrown;
  spawn(detail::capture_result(std::move(t), &out, &thrown));
  clock.run();
  if (thrown) std::rethrow_exception(thrown);
  if (!out) throw std::logic_error("task still suspended with no timer left");
  return std::move(*out);
}
inline void run_to_completion(VirtualClock& clock, Task<void> t) {
  bool done = false;
  std::exception_ptr thrown;
  spawn(detail::capture_done(std::move(t), &done, &thrown));
  clock.run();
  if (thrown) std::rethrow_exception(thrown);
  if (!done) throw std::logic_error("task still suspended with no timer left");
}

}  // namespace tenantsim
