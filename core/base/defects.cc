#include "core/base/defects.h"

namespace tenantsim {

const std::vector<DefectInfo>& defect_catalog() {
  static const std::vector<DefectInfo> catalog = {
      {Defect::kJwtSignatureNotVerified, "jwt-signature-not-verified", "JWT accepted without verifying its signature"},
      {Defect::kTenantFromRequest, "tenant-from-request", "tenant taken from the request instead of the token"},
      {Defect::kAddToGroupWithoutAdmin, "add-to-group-without-admin", "add-to-group does not require the admin group"},
      {Defect::kCostEndpointOpen, "cost-endpoint-open", "admin cost endpoints open to non-admins"},
      {Defect::kDailyLimitOffByOne, "daily-limit-off-by-one", "one message over the daily limit is accepted"},
      {Defect::kReadThenWriteCounter, "read-then-write-counter", "quota counter read then written, not atomic"},
      {Defect::kLimitScopeSwapped, "limit-scope-swapped", "per-user message limit counted per tenant"},
      {Defect::kWindowResetLocalTime, "window-reset-local-time", "daily window ignores the tenant's UTC offset"},
      {Defect::kMonthlyResetNeverFires, "monthly-reset-never-fires", "monthly message counter never resets"},
      {Defect::kConcurrentSessionsIgnored, "concurrent-sessions-ignored", "concurrent-session limit not enforced"},
      {Defect::kSessionDurationIgnored, "session-duration-ignored", "expired sessions still accept messages"},
      {Defect::kToolsNotGated, "tools-not-gated", "weather tools offered to every tier"},
      {Defect::kOutputTokensNotMetered, "output-tokens-not-metered", "output tokens are not recorded"},
      {Defect::kUsageBilledToWrongTenant, "usage-billed-to-wrong-tenant", "usage recorded under another tenant"},
      {Defect::kLeadingKeyPrefixMatch, "leading-key-prefix-match", "table scope matches partition-key prefixes"},
      {Defect::kMemoryActorWithoutTenant, "memory-actor-without-tenant", "memory actor id lacks the tenant"},
      {Defect::kCostReportsNotGated, "cost-reports-not-gated", "cost reports served to tiers without them"},
      {Defect::kSessionExpirySliding, "session-expiry-sliding", "each message extends the session's end"},
      {Defect::kSessionDurationHardcoded, "session-duration-hardcoded", "every tier's sessions last 30 minutes"},
      {Defect::kRetryAfterUtc, "retry-after-utc", "Retry-After counts to the UTC edge"},
      {Defect::kTokenUseNotChecked, "token-use-not-checked", "tokens of any token_use are accepted"},
      {Defect::kUserFromRequest, "user-from-request", "chat takes the user from the request"},
      {Defect::kMemoryActorWithoutUser, "memory-actor-without-user", "memory shared by the users of a tenant"},
      {Defect::kUsageUserIsUsername, "usage-user-is-username", "usage billed to the username, not the user id"},
      {Defect::kCustomAttributesWritable, "custom-attributes-writable", "users may rewrite their own tenant claims"},
      {Defect::kSiloBilledToPoolAccount, "silo-billed-to-pool-account", "silo model calls billed to the pool account"},
      {Defect::kTierFromTokenClaim, "tier-from-token-claim", "tier rules taken from the token, not the tenant"},
      {Defect::kKbFilterMissing, "kb-filter-missing", "knowledge-base retrieval without the tenant filter"},
      {Defect::kKbTenantFromModel, "kb-tenant-from-model", "retrieval filter taken from the model's tool arguments"},
      {Defect::kGatewayTrustsModel, "gateway-trusts-model", "gateway runs any tool the model asks for"},
      {Defect::kRuntimeTrustsSessionAttributes, "runtime-trusts-session-attributes", "agent runtime trusts sessionAttributes without a valid token"},
      {Defect::kRuntimeSessionIdShort, "runtime-session-id-short", "agent runtime accepts session ids under 33 characters"},
      {Defect::kGatewaySkipsAudience, "gateway-skips-audience", "tool gateway does not re-validate the token's audience"},
      {Defect::kFallbackNotMetered, "fallback-not-metered", "direct-model fallback meters no model usage"},
      {Defect::kDstIgnored, "dst-ignored", "quota windows ignore daylight saving"},
      {Defect::kRuntimeSharedAcrossSilos, "runtime-shared-across-silos",
       "an agent runtime serves any verified caller, not only the tenants it is deployed for"},
      {Defect::kRuntimeBilledAtMinimum, "runtime-billed-at-minimum",
       "agent-runtime invocations billed at the 1-second minimum, not for what they lasted"},
      {Defect::kGatewayRefusalsNotMetered, "gateway-refusals-not-metered",
       "tool calls the gateway refused are not billed"},
      {Defect::kConsumptionSubAgentsUntagged, "consumption-sub-agents-untagged",
       "sub-agents' consumption events carry no tenant"},
      {Defect::kQuotaKeptOnModelFailure, "quota-kept-on-model-failure",
       "a message whose model call failed before any output still counts against the limits"},
      {Defect::kSubAgentModelUnversioned, "sub-agent-model-unversioned",
       "sub-agents call the model by an id without its version suffix, which Bedrock refuses"},
      {Defect::kIatLeewaySubtracted, "iat-leeway-subtracted",
       "the not-yet-valid check subtracts the leeway, so a token younger than the leeway is refused"},
      {Defect::kUsageAggregateOutsideTransaction, "usage-aggregate-outside-transaction",
       "the cost views' running aggregate is updated on its own after the records: a failed update is lost"},
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
  if (!kDefectCatalogCompiledIn) return out;
  for (size_t i = 0; i < bits_.size(); ++i)
    if (bits_.test(i)) out.push_back(static_cast<Defect>(i));
  return out;
}

}  // namespace tenantsim
