#include "scenarios/checks.h"

#include <algorithm>

namespace tenantsim {

const std::vector<CheckInfo>& check_catalog() {
  static const std::vector<CheckInfo> checks = {
      {"isolation.canaries", "no response carries another tenant's canary string"},
      {"isolation.adversary_refused", "every attack is refused with the right status (401 token, 403 tenant/admin)"},
      {"isolation.table_scope", "a tenant-scoped table handle refuses every other tenant's partition, prefixes included"},
      {"limits.within_limits", "no chat is accepted past a daily or monthly limit of its window"},
      {"limits.no_refusal_under_limit", "no chat is refused for a limit while every window had room (resets included)"},
      {"limits.concurrent_sessions", "sessions open only up to the tier's concurrent-session limit, and always up to it"},
      {"limits.session_duration", "no message is accepted after the session's duration has run out"},
      {"tiers.tool_gating", "each tier is offered and may run exactly its tier's tools"},
      {"metering.complete", "metered quantities per tenant equal what the fakes' ledgers served"},
      {"cost.attribution", "cost per tenant and service equals the ledger-derived cost; the sum over tenants equals the total"},
      {"thresholds.p99_latency", "chat p99 (virtual time) per tier at most the scenario's threshold"},
  };
  return checks;
}

std::vector<std::string> check_groups() {
  std::vector<std::string> groups;
  for (const auto& c : check_catalog()) {
    std::string g(c.name);
    g.resize(g.find('.'));
    if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(std::move(g));
  }
  return groups;
}

bool is_check_selector(const std::string& selector) {
  for (const auto& c : check_catalog())
    if (selects(selector, c.name)) return true;
  return false;
}

bool selects(const std::string& selector, const std::string& check) {
  return !selector.empty() && (check == selector || check.rfind(selector + ".", 0) == 0);
}

}  // namespace tenantsim
