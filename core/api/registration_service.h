// RegistrationService: the public endpoints, before there is a token. Self-service registration
// makes a new tenant (409 if the id is taken) and its first user; email confirmation, sign-in and
// refresh go to the tenant's own user pool app client; jwks publishes every trusted pool's keys.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/api/authorizer.h"
#include "core/base/time.h"
#include "core/domain/tenants.h"
#include "core/ports/identity_provider.h"

namespace tenantsim {

class RegistrationService {
 public:
  // All must outlive this object; `zones` may be null (only fixed offsets then).
  RegistrationService(IdentityProvider& identity, TenantDirectory& tenants, Authorizer& auth, const ZoneDatabase* zones)
      : identity_(identity), tenants_(tenants), auth_(auth), zones_(zones) {}

  // The signing keys of every user pool the system trusts (the pooled one and each silo tenant's),
  // as one JWKS document: what a client or gateway needs to verify our tokens itself.
  Task<Result<nlohmann::json>> jwks();
  // Creates the tenant on `subscription_tier` (409 if it exists) and its first user, who becomes
  // the tenant's admin when `admin` is true. Email verification follows.
  Task<Result<nlohmann::json>> register_tenant(nlohmann::json body);
  // The tenant's user pool, app client and region: {"tenant_id", "user_pool_id", "client_id", "region"}.
  Result<nlohmann::json> auth_config(const std::string& tenant_id) const;
  Task<Result<nlohmann::json>> confirm(nlohmann::json body);
  Task<Result<nlohmann::json>> login(nlohmann::json body);
  Task<Result<nlohmann::json>> refresh(nlohmann::json body);

 private:
  IdentityProvider& identity_;
  TenantDirectory& tenants_;
  Authorizer& auth_;
  const ZoneDatabase* zones_;
};

}  // namespace tenantsim
