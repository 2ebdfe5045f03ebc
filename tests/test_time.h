// Instants written as ISO 8601 in tests: at("2024-03-10T05:00:00Z").
#pragma once

#include <gtest/gtest.h>

#include "core/base/time.h"

namespace tenantsim::testing {

inline Time at(const char* iso) {
  Time t;
  EXPECT_TRUE(parse_iso8601(iso, t)) << iso;
  return t;
}

}  // namespace tenantsim::testing
