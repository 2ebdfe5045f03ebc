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
