// The checks a run makes, by name: the one list the oracle reports in, the scenario parser
// validates `thresholds` against, and the defect catalog's entries point into. A check is named
// "group.name"; a scenario may select a whole group ("limits") or one check ("limits.within_limits").
#pragma once

#include <string>
#include <vector>

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

}  // namespace tenantsim
