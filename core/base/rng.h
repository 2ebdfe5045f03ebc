// Rng: deterministic, seeded, splittable randomness (xoshiro256** seeded through SplitMix64).
// split("tenant-42") gives a stream that depends only on the parent's seed and the name, never on
// how many numbers the parent has drawn, so a shard or a thread sees the same numbers as a full run.
#pragma once

#include <cstdint>
#include <string_view>

namespace tenantsim {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t next();
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t uniform(uint64_t n);
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t between(int64_t lo, int64_t hi);
  // Uniform in [0, 1).
  double unit();
  bool chance(double p) { return unit() < p; }

  // An independent stream named `name`, derived from this stream's seed only.
  Rng split(std::string_view name) const;
  Rng split(uint64_t index) const;

  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

// FNV-1a, for deriving stream seeds from names. Stable across platforms and runs.
uint64_t stable_hash(std::string_view text);

}  // namespace tenantsim
