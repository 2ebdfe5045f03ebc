// Authorizer: who is calling, and what they may do; the one place the system decides it. The
// caller is the verified token's user, in the token's tenant as the tenant directory has it (active,
// its own issuer, its tier from the directory, never from a claim). The defects that weaken
// authorization are switched here too, so each rule and its broken form sit side by side.
#pragma once

#include <optional>
#include <string>

#include "core/auth/principal.h"
#include "core/auth/token_verifier.h"
#include "core/base/defects.h"
#include "core/base/task.h"
#include "core/domain/catalogs.h"
#include "core/domain/tenants.h"

namespace tenantsim {

struct Caller {
  Principal principal;
  Tenant tenant;
  const TierPolicy* tier = nullptr;  // never null in a Caller the Authorizer made
};

class Authorizer {
 public:
  // All must outlive this object.
  Authorizer(TokenVerifier& verifier, const TenantDirectory& tenants, const TierCatalog& tiers, const DefectSet& defects)
      : verifier_(verifier), tenants_(tenants), tiers_(tiers), defects_(defects) {}

  // The caller of a bearer token: 401 when it does not verify, 403 when its tenant is not active.
  Task<Result<Caller>> caller(std::string token, TokenVerifier::Checks checks = {});
  // As caller(), and 403 TenantMismatch unless the token's tenant is `tenant_id` (a path's tenant).
  Task<Result<Caller>> caller_in(std::string token, std::string tenant_id);
  // A tenant that exists and has not been offboarded.
  std::optional<Tenant> active_tenant(const std::string& tenant_id) const;

  // 403 NotAdmin unless the caller is in "{tenant}-admins".
  Status require_admin(const Caller& c) const;
  // The admin cost reports: the tenant's admins, on a tier with cost_reports.
  Status require_cost_reports(const Caller& c) const;
  // Tenant-wide cost views (and other users' costs) are for the tenant's admins.
  bool sees_tenant_costs(const Caller& c) const;
  // Adding a user to the tenant's admin group.
  Status require_group_admin(const Caller& c) const;
  // The runtime-trusts-session-attributes defect only: a caller made up from what a request's
  // sessionAttributes claim, with no token behind it. nullopt when the tenant is not active.
  std::optional<Caller> believed_caller(const std::string& tenant_id, const std::string& user_id) const;

 private:
  TokenVerifier& verifier_;
  const TenantDirectory& tenants_;
  const TierCatalog& tiers_;
  const DefectSet& defects_;
};

}  // namespace tenantsim
