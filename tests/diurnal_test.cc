// The day curve sessions start on: every local hour can start one, each in proportion to its weight
// (the sampler once used a hard-coded sum of 14.9 for weights summing to 16.7, so hours 21-23 were
// never drawn).
#include <gtest/gtest.h>

#include "harness/simulation.h"

namespace tenantsim {
namespace {

TEST(Diurnal, EveryHourIsDrawnInProportionToItsWeight) {
  double total = 0;
  for (int h = 0; h < 24; ++h) total += diurnal_weight(h);
  constexpr int kPoints = 240'000;  // an even grid over [0, 1): exact shares, no randomness
  int counts[24] = {};
  for (int i = 0; i < kPoints; ++i) ++counts[diurnal_hour((i + 0.5) / kPoints)];
  for (int h = 0; h < 24; ++h) {
    EXPECT_GT(counts[h], 0) << "hour " << h << " never starts a session";
    EXPECT_NEAR(static_cast<double>(counts[h]) / kPoints, diurnal_weight(h) / total, 1e-4) << "hour " << h;
  }
  EXPECT_EQ(diurnal_hour(0.0), 0);
  EXPECT_EQ(diurnal_hour(0.999999), 23);
}

}  // namespace
}  // namespace tenantsim
