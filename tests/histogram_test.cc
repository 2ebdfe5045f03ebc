// LatencyHistogram: 3 significant digits everywhere, exact merges, percentiles by rank.
#include <gtest/gtest.h>

#include "core/base/rng.h"
#include "reports/histogram.h"

namespace tenantsim {
namespace {

TEST(Histogram, BucketsKeepThreeSignificantDigits) {
  for (int64_t v : {0L, 1L, 2047L, 2048L, 2049L, 4095L, 4096L, 123'456L, 9'999'999L, 86'400'000'000L}) {
    const size_t i = LatencyHistogram::index_of(v);
    EXPECT_LE(LatencyHistogram::lowest_in(i), v) << v;
    EXPECT_GE(LatencyHistogram::highest_in(i), v) << v;
    const int64_t width = LatencyHistogram::highest_in(i) - LatencyHistogram::lowest_in(i) + 1;
    // Exact below 2048; above, a bucket is at most 1/1024 of its values.
    if (v < 2048) EXPECT_EQ(width, 1) << v;
    else EXPECT_LE(width * 1024, v) << "bucket of " << v << " is " << width << " wide";
  }
  // Adjacent buckets tile the line: no gap, no overlap.
  for (size_t i = 0; i < 40'000; ++i) EXPECT_EQ(LatencyHistogram::highest_in(i) + 1, LatencyHistogram::lowest_in(i + 1));
}

TEST(Histogram, PercentilesByRank) {
  LatencyHistogram h;
  for (int64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.percentile(50), 500);
  EXPECT_EQ(h.percentile(99), 990);
  EXPECT_EQ(h.percentile(100), 1000);
  EXPECT_EQ(h.percentile(0), 1);
  EXPECT_EQ(h.max(), 1000);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(LatencyHistogram().percentile(99), 0);
}

TEST(Histogram, LargeValuesWithinATenthOfAPercent) {
  LatencyHistogram h;
  h.record(1'234'567);
  const int64_t p = h.percentile(50);
  EXPECT_LE(std::abs(p - 1'234'567) * 1000, 1'234'567);
}

TEST(Histogram, MergingEqualsRecordingEverything) {
  Rng rng(9);
  LatencyHistogram all, a, b, c;
  for (int i = 0; i < 30'000; ++i) {
    const int64_t v = static_cast<int64_t>(rng.uniform(5'000'000));
    all.record(v);
    (i % 3 == 0 ? a : i % 3 == 1 ? b : c).record(v);
  }
  LatencyHistogram merged;
  merged.merge(a);
  merged.merge(b);
  merged.merge(c);
  EXPECT_EQ(merged, all);
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(merged.percentile(p), all.percentile(p)) << p;
  LatencyHistogram other_order;
  other_order.merge(c);
  other_order.merge(a);
  other_order.merge(b);
  EXPECT_EQ(other_order, all);
}

}  // namespace
}  // namespace tenantsim
