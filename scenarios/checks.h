// The checks a run makes, by name: the one list the oracle reports in, the scenario parser
// validates `thresholds` against, and each defect's proof points into. A check is named
// "group.name"; a scenario may select a whole group ("limits") or one check ("limits.within_limits").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/defects.h"

namespace tenantsim {

struct CheckInfo {
  const char* name;
  const char* description;
};

// Every check in report order. thresholds.p99_latency is judged only when the scenario sets a
// threshold for it.
const std::vector<CheckInfo>& check_catalog();

// The groups ("isolation", "limits", ...), in catalog order.
std::vector<std::string> check_groups();

// True when `selector` is a check's name or a group.
bool is_check_selector(const std::string& selector);

// True when `selector` selects `check` (its name, or its group).
bool selects(const std::string& selector, const std::string& check);
// True when any of `selectors` (thresholds.fail_on, thresholds.may_skip) selects `check`.
bool any_selects(const std::vector<std::string>& selectors, const std::string& check);

// The proof that a check can fail: for each defect of core's catalog, the check that must catch it
// and the example scenario (scenarios/examples/{example}.json) that makes it. Every defect has one
// (`tenantsim defects list`, and ctest's defect.* cases, are built from them).
struct DefectProof {
  Defect defect;
  std::string_view check;
  std::string_view example;
};
const DefectProof& defect_proof(Defect defect);

}  // namespace tenantsim
