#include "scenarios/checks.h"

#include <algorithm>
#include <stdexcept>

namespace tenantsim {

const std::vector<CheckInfo>& check_catalog() {
  static const std::vector<CheckInfo> checks = {
      {"access.legitimate_requests", "a user's own requests with a valid ID or access token are never refused with 401 or 403, a sign-up is never refused (also when sent again after a failure half-way), and the published JWKS lists every key tenants' tokens are signed with"},
      {"access.availability", "legitimate requests fail (5xx other than throttling, or 400 to a well-formed request) no more often than the faults the scenario injected explain, per tier and endpoint"},
      {"access.admin_views", "GET /api/admin/my-tenants shows a tenant's admin exactly its own tenant at its current tier, and refuses a plain user (403)"},
      {"isolation.canaries", "no response carries another tenant's canary string"},
      {"isolation.adversary_refused", "every attack is refused with the right status (401 token, 403 tenant/admin; an offboarded silo tenant's runtime 404), and an offboarded pool's keys leave the published JWKS"},
      {"isolation.attacks_reached", "each adversary kind's attacks reach the layer they attack (an answer from the system, a prompt the model reads, a limit the burst meets) at least half the time: refusals that were never tested are not a pass"},
      {"isolation.between_users", "users of one tenant are isolated from each other: no answer carries another user's canary, and a plain user is refused another user's costs, sessions and chats"},
      {"isolation.knowledge_base", "no answer quotes another tenant's knowledge-base documents, a tenant's own search finds its own, and the pooled knowledge base answers only retrievals filtered to a tenant (from its ledger)"},
      {"isolation.shared_resources", "each tenant's tables exist and can be read after onboarding, after other tenants' offboarding and after the run; a silo tenant's tables are its own, a pooled tenant's are the pool's"},
      {"isolation.table_scope", "a tenant-scoped table handle refuses every other tenant's partition, prefixes included"},
      {"limits.within_limits", "no chat is accepted past a daily or monthly limit of its window"},
      {"limits.no_refusal_under_limit", "no chat is refused for a limit while every window had room (resets included)"},
      {"limits.usage_reported", "the subscription endpoint shows the tenant's current tier with its message limits (a tier change at once, whatever the token claims), and its current daily and monthly message counts are the messages accepted in those windows"},
      {"limits.retry_after", "a limit refusal's Retry-After is the time until the refused message could pass (the last full window's reset, in the tenant's time zone)"},
      {"limits.concurrent_sessions", "sessions open only up to the tier's concurrent-session limit, and always up to it"},
      {"limits.session_duration", "a session accepts messages for exactly its tier's duration from its opening: none after, none refused as expired before"},
      {"tiers.tool_gating", "each tier is offered and may run exactly its tier's tools"},
      {"tiers.feature_gating", "admin cost reports are served to the admins of exactly the tiers that include them"},
      {"metering.complete", "metered quantities per tenant equal what the fakes' ledgers served and the driver saw called (tools, gateway calls); the agent runtime's seconds lie within what its invocations lasted"},
      {"cost.attribution", "cost per tenant and service equals the ledger-derived cost; the sum over tenants equals the total; each silo tenant's model calls ran on its own account and the pooled account served only pooled tenants"},
      {"cost.views", "a tenant's cost views agree: each total is the sum of its services and of its users, ?days=366 is the whole run, ?days=30 at most that and ?days=1 at most ?days=30, the comprehensive report's priced lines add up to its total and the tenant's, a user's own view is its line of the tenant's, the whole and the ?days=30 and ?days=1 windows equal what their usage records price to, and a malformed ?days= is refused (400)"},
      {"observability.tenant_context", "every model invocation's consumption event names its tenant: the events grouped by tenant equal what the model served each tenant"},
      {"thresholds.p99_latency", "chat p99 per tier at most the scenario's threshold (virtual time in a run, wall-clock time from the intended send in a load run)"},
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

bool any_selects(const std::vector<std::string>& selectors, const std::string& check) {
  for (const auto& s : selectors)
    if (selects(s, check)) return true;
  return false;
}

const DefectProof& defect_proof(Defect defect) {
  static const std::vector<DefectProof> proofs = {
      {Defect::kJwtSignatureNotVerified, "isolation.adversary_refused", "ci-isolation"},
      {Defect::kTenantFromRequest, "isolation.adversary_refused", "ci-isolation"},
      {Defect::kAddToGroupWithoutAdmin, "isolation.adversary_refused", "ci-isolation"},
      {Defect::kCostEndpointOpen, "isolation.adversary_refused", "ci-isolation"},
      {Defect::kDailyLimitOffByOne, "limits.within_limits", "ci-isolation"},
      {Defect::kReadThenWriteCounter, "limits.within_limits", "ci-isolation"},
      {Defect::kLimitScopeSwapped, "limits.no_refusal_under_limit", "ci-isolation"},
      {Defect::kWindowResetLocalTime, "limits.no_refusal_under_limit", "ci-isolation"},
      {Defect::kMonthlyResetNeverFires, "limits.no_refusal_under_limit", "ci-isolation"},
      {Defect::kConcurrentSessionsIgnored, "limits.concurrent_sessions", "ci-isolation"},
      {Defect::kSessionDurationIgnored, "limits.session_duration", "ci-isolation"},
      {Defect::kToolsNotGated, "tiers.tool_gating", "ci-isolation"},
      {Defect::kOutputTokensNotMetered, "metering.complete", "ci-isolation"},
      {Defect::kUsageBilledToWrongTenant, "cost.attribution", "ci-isolation"},
      {Defect::kLeadingKeyPrefixMatch, "isolation.table_scope", "ci-isolation"},
      {Defect::kMemoryActorWithoutTenant, "isolation.canaries", "ci-isolation"},
      {Defect::kCostReportsNotGated, "tiers.feature_gating", "ci-isolation"},
      {Defect::kSessionExpirySliding, "limits.session_duration", "ci-isolation"},
      {Defect::kSessionDurationHardcoded, "limits.session_duration", "ci-isolation"},
      {Defect::kRetryAfterUtc, "limits.retry_after", "ci-isolation"},
      {Defect::kTokenUseNotChecked, "isolation.adversary_refused", "ci-isolation"},
      {Defect::kUserFromRequest, "isolation.between_users", "ci-isolation"},
      {Defect::kMemoryActorWithoutUser, "isolation.between_users", "ci-isolation"},
      {Defect::kUsageUserIsUsername, "cost.attribution", "ci-isolation"},
      {Defect::kCustomAttributesWritable, "isolation.adversary_refused", "ci-isolation"},
      {Defect::kSiloBilledToPoolAccount, "cost.attribution", "ci-isolation"},
      {Defect::kTierFromTokenClaim, "tiers.tool_gating", "ci-isolation"},
      {Defect::kKbFilterMissing, "isolation.knowledge_base", "prompt-injection"},
      {Defect::kKbTenantFromModel, "isolation.knowledge_base", "prompt-injection"},
      {Defect::kGatewayTrustsModel, "tiers.tool_gating", "prompt-injection"},
      {Defect::kRuntimeTrustsSessionAttributes, "isolation.adversary_refused", "prompt-injection"},
      {Defect::kRuntimeSessionIdShort, "isolation.adversary_refused", "prompt-injection"},
      {Defect::kGatewaySkipsAudience, "isolation.adversary_refused", "prompt-injection"},
      {Defect::kFallbackNotMetered, "metering.complete", "prompt-injection"},
      {Defect::kDstIgnored, "limits.no_refusal_under_limit", "daylight-saving"},
      {Defect::kRuntimeSharedAcrossSilos, "isolation.adversary_refused", "ci-isolation"},
      {Defect::kRuntimeBilledAtMinimum, "metering.complete", "ci-isolation"},
      {Defect::kGatewayRefusalsNotMetered, "metering.complete", "prompt-injection"},
      {Defect::kConsumptionSubAgentsUntagged, "observability.tenant_context", "prompt-injection"},
      {Defect::kQuotaKeptOnModelFailure, "limits.usage_reported", "ci-isolation"},
      {Defect::kSubAgentModelUnversioned, "access.availability", "ci-isolation"},
      {Defect::kIatLeewaySubtracted, "access.legitimate_requests", "ci-isolation"},
      {Defect::kUsageAggregateOutsideTransaction, "cost.views", "ci-isolation"},
  };
  for (const auto& p : proofs)
    if (p.defect == defect) return p;
  // A defect added to core's catalog without its proof here: a programming error, caught by the
  // first `defects list` (and ctest's catalogue case).
  throw std::logic_error("defect " + std::string(defect_name(defect)) + " has no proof in scenarios/checks.cc");
}

}  // namespace tenantsim
