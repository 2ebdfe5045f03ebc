#include "reports/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tenantsim {

namespace {
// Values below 2^11 have a bucket each; above, every power of two is split into 1024 buckets, so a
// bucket is at most 1/1024 of its value wide: 3 significant digits.
constexpr int kSubBits = 10;
constexpr uint64_t kLinear = uint64_t{1} << (kSubBits + 1);  // 2048
}  // namespace

size_t LatencyHistogram::index_of(int64_t value) {
  const uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
  if (v < kLinear) return v;
  const int msb = 63 - std::countl_zero(v);
  const int shift = msb - kSubBits;  // >= 1
  return (static_cast<size_t>(shift) << kSubBits) + static_cast<size_t>(v >> shift);
}

int64_t LatencyHistogram::lowest_in(size_t index) {
  if (index < kLinear) return static_cast<int64_t>(index);
  const int shift = static_cast<int>(index >> kSubBits) - 1;
  const uint64_t base = index - (static_cast<uint64_t>(shift) << kSubBits);
  return static_cast<int64_t>(base << shift);
}

int64_t LatencyHistogram::highest_in(size_t index) { return lowest_in(index + 1) - 1; }

void LatencyHistogram::record(int64_t value, uint64_t count) {
  if (count == 0) return;
  if (value < 0) value = 0;
  const size_t i = index_of(value);
  if (i >= counts_.size()) counts_.resize(i + 1, 0);
  counts_[i] += count;
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  count_ += count;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
}

int64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_in(i), max_);
  }
  return max_;
}

}  // namespace tenantsim
