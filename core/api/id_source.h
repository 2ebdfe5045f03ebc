// IdSource: request and session ids drawn from the system's seeded stream, so a run replays from its
// seed. Safe to call from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "core/base/rng.h"

namespace tenantsim {

class IdSource {
 public:
  explicit IdSource(Rng rng) : rng_(rng) {}

  // "{prefix}-{16 hex digits}".
  std::string id(const char* prefix) {
    std::lock_guard lock(mu_);
    return fmt::format("{}-{:016x}", prefix, rng_.next());
  }
  // A version-4-shaped UUID: 36 characters, a session id of at least the 33 AgentCore requires
  // (seed 002).
  std::string uuid() {
    std::lock_guard lock(mu_);
    const uint64_t a = rng_.next(), b = rng_.next();
    return fmt::format("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52,
                       b & 0xffffffffffffULL);
  }

 private:
  std::mutex mu_;
  Rng rng_;
};

}  // namespace tenantsim
