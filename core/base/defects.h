// The defect catalog: named bugs of the kind found in public multi-tenant code, built into core
// but off unless a run switches them on (`--inject-defect NAME`), so tests can prove that every
// check tenantsim makes can fail. Like FoundationDB's BUGGIFY: off by default, named, reported.
#pragma once

#include <bitset>
#include <optional>
#include <string_view>
#include <vector>

// Whether this build carries the catalog's switches at all. Built with -DTENANTSIM_DEFECTS=OFF,
// DefectSet::on is constant false, so the compiler drops every defect branch (signature
// verification cannot be skipped, whatever the flags) and the CLI refuses --inject-defect. Our own
// builds carry them, because the harness proves each of its checks with them; such a binary says so
// wherever it serves (the serve banner, /health).
#ifndef TENANTSIM_DEFECTS
#define TENANTSIM_DEFECTS 1
#endif

namespace tenantsim {

inline constexpr bool kDefectCatalogCompiledIn = TENANTSIM_DEFECTS != 0;

enum class Defect {
  kJwtSignatureNotVerified,   // token accepted without checking its signature
  kTenantFromRequest,         // tenant taken from the request body/path instead of the token
  kAddToGroupWithoutAdmin,    // add-to-group open to any authenticated user
  kCostEndpointOpen,          // admin cost endpoints open to non-admins
  kDailyLimitOffByOne,        // one message more than the daily limit accepted
  kReadThenWriteCounter,      // quota counter read, compared, then written (overshoots under concurrency)
  kLimitScopeSwapped,         // per-user limit counted per tenant (or the reverse)
  kWindowResetLocalTime,      // daily window computed in the server's local offset, not the tenant's
  kMonthlyResetNeverFires,    // monthly counter never rolls over
  kConcurrentSessionsIgnored, // concurrent-session limit not enforced
  kSessionDurationIgnored,    // expired sessions still accept messages
  kToolsNotGated,             // weather tools offered to every tier
  kOutputTokensNotMetered,    // output tokens never recorded
  kUsageBilledToWrongTenant,  // usage records written under another tenant's partition
  kLeadingKeyPrefixMatch,     // table scope compares prefixes (`acme` reaches `acme-corp`)
  kMemoryActorWithoutTenant,  // conversation memory keyed by user only
  kCostReportsNotGated,       // admin cost reports served to tiers without the feature
  kSessionExpirySliding,      // every message pushes the session's end out (activity extends it)
  kSessionDurationHardcoded,  // every tier's sessions last 30 minutes (the basic tier's)
  kRetryAfterUtc,             // Retry-After counts to the UTC day/month edge, not the tenant's
  kSiloBilledToPoolAccount,   // silo tenants' model calls run on (and bill) the pooled account
  kTokenUseNotChecked,        // a token of any token_use is accepted as long as it names an app client
  kUserFromRequest,           // chat takes the user from tenant_context instead of the token
  kMemoryActorWithoutUser,    // long-term memory namespaced by tenant only (users share it)
  kUsageUserIsUsername,       // usage records carry the username, not the user id (sub)
  kCustomAttributesWritable,  // app clients let users write every attribute, the tenant claims included
  kTierFromTokenClaim,        // the tier's rules come from the token's claim, not the tenant directory
  kKbFilterMissing,           // knowledge-base retrieval without the tenant filter (the pooled base answers everyone's)
  kKbTenantFromModel,         // the retrieval filter takes the tenant the model put in the tool's arguments
  kGatewayTrustsModel,        // the gateway runs any tool the model names, not only the tier's
  kRuntimeTrustsSessionAttributes,  // the agent runtime takes tenant and user from sessionAttributes when the token fails
  kRuntimeSessionIdShort,     // the agent runtime accepts session ids shorter than AgentCore's 33 characters
  kGatewaySkipsAudience,      // the tool gateway re-validates the token but not its audience (app client)
  kFallbackNotMetered,        // the direct-model fallback (no Bedrock agent configured) meters no model usage
  kDstIgnored,                // quota windows in a named zone's January offset all year (daylight saving ignored)
  kRuntimeSharedAcrossSilos,  // an agent runtime (a silo tenant's own, or the pooled one) serves any verified caller
  kRuntimeBilledAtMinimum,    // every agent-runtime invocation billed at the 1-second minimum, whatever it lasted
  kGatewayRefusalsNotMetered, // tool calls the gateway's interceptor refused are not billed (AWS bills every call)
  kConsumptionSubAgentsUntagged,  // sub-agents' consumption events carry no tenant (the orchestrator's context is lost)
  kQuotaKeptOnModelFailure,   // a message whose model call failed before any output still counts against the limits
  kSubAgentModelUnversioned,  // the orchestrator's sub-agents call the model by an id without its version suffix
  kIatLeewaySubtracted,       // the not-yet-valid check subtracts the clock-skew leeway: a fresh token is refused
  kUsageAggregateOutsideTransaction,  // the cost views' running aggregate is updated after the records, not with them: a failed update is lost
  kCount
};

// Which check catches each defect, and in which scenario, is the harness's knowledge
// (scenarios/checks.h: defect_proof), not core's.
struct DefectInfo {
  Defect defect;
  std::string_view name;
  std::string_view description;
};

const std::vector<DefectInfo>& defect_catalog();
std::optional<Defect> parse_defect(std::string_view name);
std::string_view defect_name(Defect d);

class DefectSet {
 public:
  bool on(Defect d) const {
    if constexpr (!kDefectCatalogCompiledIn) return false;
    return bits_.test(static_cast<size_t>(d));
  }
  void enable(Defect d) { bits_.set(static_cast<size_t>(d)); }
  bool any() const { return kDefectCatalogCompiledIn && bits_.any(); }
  std::vector<Defect> enabled() const;

 private:
  std::bitset<static_cast<size_t>(Defect::kCount)> bits_;
};

}  // namespace tenantsim
