#include "fakes/common/virtual_clock.h"

#include <stdexcept>

namespace tenantsim {

void VirtualClock::wake_at(Time at, std::coroutine_handle<> h) {
  const uint64_t seq = seq_++;
  int64_t when = at.time_since_epoch().count();
  uint64_t tie = seq;
  if (perturb_rng_) {
    tie = perturb_rng_->next();
    if (max_extra_delay_ > 0 && (tie & 3) == 0) when += static_cast<int64_t>(perturb_rng_->uniform(max_extra_delay_ + 1));
  }
  timers_.push(Timer{when, tie, seq, h});
}

void VirtualClock::advance_to(Time t) {
  if (t < now()) throw std::logic_error("VirtualClock cannot go backwards");
  now_.store(t.time_since_epoch().count(), std::memory_order_release);
}

void VirtualClock::rewind_to(Time t) {
  if (!timers_.empty()) throw std::logic_error("VirtualClock::rewind_to with timers pending");
  now_.store(t.time_since_epoch().count(), std::memory_order_release);
}

uint64_t VirtualClock::run_until(Time until) {
  uint64_t ran = 0;
  const int64_t limit = until.time_since_epoch().count();
  while (!timers_.empty() && timers_.top().at <= limit) {
    Timer t = timers_.top();
    timers_.pop();
    if (t.at > now_.load()) now_.store(t.at, std::memory_order_release);
    t.h.resume();
    ++ran;
  }
  if (limit > now_.load()) now_.store(limit, std::memory_order_release);
  return ran;
}

uint64_t VirtualClock::run() {
  uint64_t ran = 0;
  while (!timers_.empty()) {
    Timer t = timers_.top();
    timers_.pop();
    if (t.at > now_.load()) now_.store(t.at, std::memory_order_release);
    t.h.resume();
    ++ran;
  }
  return ran;
}

}  // namespace tenantsim
