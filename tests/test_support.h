// Shared fixture: a fresh World per test, on the shipped tier table and price catalog.
#pragma once

#include <gtest/gtest.h>

#include "harness/world.h"

namespace tenantsim::testing {

inline std::unique_ptr<World> make_world(DefectSet defects = {}, uint64_t seed = 42,
                                         const std::string& prices = "prices-on-demand.json") {
  WorldOptions o;
  o.seed = seed;
  o.data_dir = TENANTSIM_DATA_DIR;
  o.defects = defects;
  o.price_catalog = prices;
  auto w = World::create(o);
  if (!w.ok()) {
    ADD_FAILURE() << w.error().name << ": " << w.error().message;
    return nullptr;
  }
  return std::move(w).value();
}

inline World::Account must(Result<World::Account> a) {
  if (!a.ok()) {
    ADD_FAILURE() << a.error().name << ": " << a.error().message;
    return {};
  }
  return std::move(a).value();
}

inline DefectSet with(Defect d) {
  DefectSet s;
  s.enable(d);
  return s;
}

}  // namespace tenantsim::testing
