// A build with -DTENANTSIM_DEFECTS=OFF: whatever is asked of a DefectSet, no defect is on, so every
// `defects.on(...)` branch in core is dead code the compiler drops (signature verification among them).
#include <gtest/gtest.h>

#include "core/base/defects.h"

namespace tenantsim {
namespace {

static_assert(!kDefectCatalogCompiledIn, "this test is built with TENANTSIM_DEFECTS=0");

TEST(DefectsCompiledOut, NoSwitchTurnsOn) {
  DefectSet set;
  for (const auto& info : defect_catalog()) set.enable(info.defect);
  for (const auto& info : defect_catalog()) EXPECT_FALSE(set.on(info.defect)) << info.name;
  EXPECT_TRUE(set.enabled().empty());
  // The names still parse, so the CLI can say which flag it refuses rather than "unknown".
  EXPECT_TRUE(parse_defect("jwt-signature-not-verified").has_value());
}

}  // namespace
}  // namespace tenantsim
