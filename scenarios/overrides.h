// `--set PATH=VALUE`: what-if edits of a scenario document from the command line, applied before
// validation so that a bad value gets the same error, with the same field path, as in the file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace tenantsim {

struct ScenarioOverride {
  std::string path;   // dot-separated: "population.tenants", "tier_changes.0.share"
  nlohmann::json value;
  std::string text;   // as given, "population.tenants=500", for messages
};

// Parses "PATH=VALUE". VALUE is JSON when it parses as JSON (500, true, "x", [1,2], {"a":1}),
// otherwise a string (prices-seed-000.json). kBadRequest names what is wrong.
Result<ScenarioOverride> parse_override(const std::string& text);

// Sets each override in `doc` in order: object members are created on the way (a what-if may add
// tier_overrides.basic), array elements must exist. kBadRequest when a step of the path crosses a
// value that is neither (e.g. population.tenants.x).
Status apply_overrides(nlohmann::json& doc, const std::vector<ScenarioOverride>& overrides);

}  // namespace tenantsim
