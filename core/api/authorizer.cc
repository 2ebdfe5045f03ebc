#include "core/api/authorizer.h"

#include "core/api/request_fields.h"

namespace tenantsim {

Task<Result<Caller>> Authorizer::caller(std::string token, TokenVerifier::Checks checks) {
  CO_TRY(Principal p, co_await verifier_.verify(std::move(token), checks));
  auto t = active_tenant(p.tenant_id);
  if (!t) co_return forbidden("TenantInactive", "the token's tenant is not an active tenant");
  if (t->issuer != p.issuer)
    co_return Error::make(ErrorKind::kUnauthorized, "WrongIssuer", "token was not issued by the tenant's user pool");
  // The tier is the tenant's, from the directory: a token cannot raise it (and a stale token
  // after a downgrade does not keep the old tier).
  std::string tier_name = t->tier;
  if (defects_.on(Defect::kTierFromTokenClaim)) tier_name = p.tier;  // the defect: the token's claim
  const TierPolicy* tier = tiers_.find(tier_name);
  if (!tier) co_return Error::make(ErrorKind::kInternal, "UnknownTier", "tenant has an unknown tier");
  co_return Caller{std::move(p), std::move(*t), tier};
}

Task<Result<Caller>> Authorizer::caller_in(std::string token, std::string tenant_id) {
  CO_TRY(Caller c, co_await caller(std::move(token)));
  if (tenant_id != c.tenant.id) co_return forbidden("TenantMismatch", "access denied: the path names another tenant");
  co_return c;
}

std::optional<Tenant> Authorizer::active_tenant(const std::string& tenant_id) const {
  auto t = tenants_.find(tenant_id);
  if (!t || !t->active) return std::nullopt;
  return t;
}

Status Authorizer::require_admin(const Caller& c) const {
  if (!c.principal.is_admin_of(c.tenant.id)) return forbidden("NotAdmin", "Admin access required");
  return Status{};
}

Status Authorizer::require_cost_reports(const Caller& c) const {
  if (defects_.on(Defect::kCostEndpointOpen)) return Status{};
  if (!c.principal.is_admin_of(c.tenant.id)) return forbidden("NotAdmin", "Admin access required");
  if (!c.tier->cost_reports && !defects_.on(Defect::kCostReportsNotGated))
    return forbidden("FeatureNotInTier", "cost reports are not part of the " + c.tier->name + " tier");
  return Status{};
}

bool Authorizer::sees_tenant_costs(const Caller& c) const {
  return c.principal.is_admin_of(c.tenant.id) || defects_.on(Defect::kCostEndpointOpen);
}

Status Authorizer::require_group_admin(const Caller& c) const {
  if (defects_.on(Defect::kAddToGroupWithoutAdmin)) return Status{};
  return require_admin(c);
}

std::optional<Caller> Authorizer::believed_caller(const std::string& tenant_id, const std::string& user_id) const {
  auto t = active_tenant(tenant_id);
  const TierPolicy* tier = t ? tiers_.find(t->tier) : nullptr;
  if (!tier) return std::nullopt;
  Principal p;
  p.sub = user_id;
  p.tenant_id = t->id;
  return Caller{std::move(p), std::move(*t), tier};
}

}  // namespace tenantsim
