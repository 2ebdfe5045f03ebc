#include "scenarios/checks.h"

#include <algorithm>

namespace tenantsim {

const std::vector<CheckInfo>& check_catalog() {
  static const std::vector<CheckInfo> checks = {
      {"access.legitimate_requests", "a user's own requests with a valid ID or access token are never refused with 401 or 403"},
      {"isolation.canaries", "no response carries another tenant's canary string"},
      {"isolation.adversary_refused", "every attack is refused with the right status (401 token, 403 tenant/admin)"},
      {"isolation.between_users", "users of one tenant are isolated from each other: no answer carries another user's canary, and a plain user is refused another user's costs, sessions and chats"},
      {"isolation.knowledge_base", "no answer quotes another tenant's knowledge-base documents, and the pooled knowledge base answers only retrievals filtered to a tenant (from its ledger)"},
      {"isolation.table_scope", "a tenant-scoped table handle refuses every other tenant's partition, prefixes included"},
      {"limits.within_limits", "no chat is accepted past a daily or monthly limit of its window"},
      {"limits.no_refusal_under_limit", "no chat is refused for a limit while every window had room (resets included)"},
      {"limits.usage_reported", "the subscription endpoint's current daily and monthly message counts are the messages accepted in those windows"},
      {"limits.retry_after", "a limit refusal's Retry-After is the time until the refused message could pass (the last full window's reset, in the tenant's time zone)"},
      {"limits.concurrent_sessions", "sessions open only up to the tier's concurrent-session limit, and always up to it"},
      {"limits.session_duration", "a session accepts messages for exactly its tier's duration from its opening: none after, none refused as expired before"},
      {"tiers.tool_gating", "each tier is offered and may run exactly its tier's tools"},
      {"tiers.feature_gating", "admin cost reports are served to the admins of exactly the tiers that include them"},
      {"metering.complete", "metered quantities per tenant equal what the fakes' ledgers served"},
      {"cost.attribution", "cost per tenant and service equals the ledger-derived cost; the sum over tenants equals the total; each silo tenant's model calls ran on its own account and the pooled account served only pooled tenants"},
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
