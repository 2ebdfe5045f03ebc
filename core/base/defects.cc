#include "core/base/defects.h"

namespace tenantsim {

const std::vector<DefectInfo>& defect_catalog() {
  static const std::vector<DefectInfo> catalog = {
      {Defect::kJwtSignatureNotVerified, "jwt-signature-not-verified", "JWT accepted without verifying its signature", "isolation.adversary_refused", "ci-isolation"},
      {Defect::kTenantFromRequest, "tenant-from-request", "tenant taken from the request instead of the token", "isolation.adversary_refused", "ci-isolation"},
      {Defect::kAddToGroupWithoutAdmin, "add-to-group-without-admin", "add-to-group does not require the admin group", "isolation.adversary_refused", "ci-isolation"},
      {Defect::kCostEndpointOpen, "cost-endpoint-open", "admin cost endpoints open to non-admins", "isolation.adversary_refused", "ci-isolation"},
      {Defect::kDailyLimitOffByOne, "daily-limit-off-by-one", "one message over the daily limit is accepted", "limits.within_limits", "ci-isolation"},
      {Defect::kReadThenWriteCounter, "read-then-write-counter", "quota counter read then written, not atomic", "limits.within_limits", "ci-isolation"},
      {Defect::kLimitScopeSwapped, "limit-scope-swapped", "per-user message limit counted per tenant", "limits.no_refusal_under_limit", "ci-isolation"},
      {Defect::kWindowResetLocalTime, "window-reset-local-time", "daily window ignores the tenant's UTC offset", "limits.no_refusal_under_limit", "ci-isolation"},
      {Defect::kMonthlyResetNeverFires, "monthly-reset-never-fires", "monthly message counter never resets", "limits.no_refusal_under_limit", "ci-isolation"},
      {Defect::kConcurrentSessionsIgnored, "concurrent-sessions-ignored", "concurrent-session limit not enforced", "limits.concurrent_sessions", "ci-isolation"},
      {Defect::kSessionDurationIgnored, "session-duration-ignored", "expired sessions still accept messages", "limits.session_duration", "ci-isolation"},
      {Defect::kToolsNotGated, "tools-not-gated", "weather tools offered to every tier", "tiers.tool_gating", "ci-isolation"},
      {Defect::kOutputTokensNotMetered, "output-tokens-not-metered", "output tokens are not recorded", "metering.complete", "ci-isolation"},
      {Defect::kUsageBilledToWrongTenant, "usage-billed-to-wrong-tenant", "usage recorded under another tenant", "cost.attribution", "ci-isolation"},
      {Defect::kLeadingKeyPrefixMatch, "leading-key-prefix-match", "table scope matches partition-key prefixes", "isolation.table_scope", "ci-isolation"},
      {Defect::kMemoryActorWithoutTenant, "memory-actor-without-tenant", "memory actor id lacks the tenant", "isolation.canaries", "ci-isolation"},
      {Defect::kCostReportsNotGated, "cost-reports-not-gated", "cost reports served to tiers without them", "tiers.feature_gating", "ci-isolation"},
      {Defect::kSessionExpirySliding, "session-expiry-sliding", "each message extends the session's end", "limits.session_duration", "ci-isolation"},
      {Defect::kSessionDurationHardcoded, "session-duration-hardcoded", "every tier's sessions last 30 minutes", "limits.session_duration", "ci-isolation"},
      {Defect::kRetryAfterUtc, "retry-after-utc", "Retry-After counts to the UTC edge", "limits.retry_after", "ci-isolation"},
      {Defect::kTokenUseNotChecked, "token-use-not-checked", "tokens of any token_use are accepted", "isolation.adversary_refused", "ci-isolation"},
      {Defect::kUserFromRequest, "user-from-request", "chat takes the user from the request", "isolation.between_users", "ci-isolation"},
      {Defect::kMemoryActorWithoutUser, "memory-actor-without-user", "memory shared by the users of a tenant", "isolation.between_users", "ci-isolation"},
      {Defect::kUsageUserIsUsername, "usage-user-is-username", "usage billed to the username, not the user id", "cost.attribution", "ci-isolation"},
      {Defect::kCustomAttributesWritable, "custom-attributes-writable", "users may rewrite their own tenant claims", "isolation.adversary_refused", "ci-isolation"},
      {Defect::kSiloBilledToPoolAccount, "silo-billed-to-pool-account", "silo model calls billed to the pool account", "cost.attribution", "ci-isolation"},
      {Defect::kTierFromTokenClaim, "tier-from-token-claim", "tier rules taken from the token, not the tenant", "tiers.tool_gating", "ci-isolation"},
      {Defect::kKbFilterMissing, "kb-filter-missing", "knowledge-base retrieval without the tenant filter", "isolation.knowledge_base", "prompt-injection"},
      {Defect::kKbTenantFromModel, "kb-tenant-from-model", "retrieval filter taken from the model's tool arguments", "isolation.knowledge_base", "prompt-injection"},
      {Defect::kGatewayTrustsModel, "gateway-trusts-model", "gateway runs any tool the model asks for", "tiers.tool_gating", "prompt-injection"},
      {Defect::kRuntimeTrustsSessionAttributes, "runtime-trusts-session-attributes", "agent runtime trusts sessionAttributes without a valid token", "isolation.adversary_refused", "prompt-injection"},
      {Defect::kRuntimeSessionIdShort, "runtime-session-id-short", "agent runtime accepts session ids under 33 characters", "isolation.adversary_refused", "prompt-injection"},
      {Defect::kGatewaySkipsAudience, "gateway-skips-audience", "tool gateway does not re-validate the token's audience", "isolation.adversary_refused", "prompt-injection"},
      {Defect::kFallbackNotMetered, "fallback-not-metered", "direct-model fallback meters no model usage", "metering.complete", "prompt-injection"},
      {Defect::kDstIgnored, "dst-ignored", "quota windows ignore daylight saving", "limits.no_refusal_under_limit", "daylight-saving"},
  };
  return catalog;
}

std::optional<Defect> parse_defect(std::string_view name) {
  for (const auto& info : defect_catalog())
    if (info.name == name) return info.defect;
  return std::nullopt;
}

std::string_view defect_name(Defect d) {
  for (const auto& info : defect_catalog())
    if (info.defect == d) return info.name;
  return "unknown";
}

std::vector<Defect> DefectSet::enabled() const {
  std::vector<Defect> out;
  for (size_t i = 0; i < bits_.size(); ++i)
    if (bits_.test(i)) out.push_back(static_cast<Defect>(i));
  return out;
}

}  // namespace tenantsim
