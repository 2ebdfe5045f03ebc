// LatencyHistogram: HdrHistogram's idea in a few lines: log-linear buckets that keep 3 significant
// digits of any value from 1 µs to days, in fixed memory, and that merge exactly (adding bucket
// counts), so histograms from connections, threads, shards or runs combine into the same
// percentiles as one histogram of every sample would give.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tenantsim {

class LatencyHistogram {
 public:
  // REQUIRES: value >= 0 (microseconds, or any unit; negative values count as 0).
  void record(int64_t value, uint64_t count = 1);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  int64_t max() const { return max_; }
  int64_t min() const { return count_ ? min_ : 0; }
  // The smallest value v such that at least p% of the samples are <= v, to 3 significant digits
  // (the top of that sample's bucket, never above max()). 0 for an empty histogram.
  int64_t percentile(double p) const;

  // The bucket a value falls in, and the bucket's value range (for tests and exporters).
  static size_t index_of(int64_t value);
  static int64_t lowest_in(size_t index);
  static int64_t highest_in(size_t index);

  friend bool operator==(const LatencyHistogram&, const LatencyHistogram&) = default;

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t max_ = 0;
  int64_t min_ = 0;
};

}  // namespace tenantsim
