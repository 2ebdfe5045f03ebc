// AdminService: what a tenant's admins (members of "{tenant}-admins") do for their tenant: see it,
// make users in its user pool, and add users to its admin group. An admin manages only their own
// tenant's users and group, whatever a request names.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/api/authorizer.h"
#include "core/ports/identity_provider.h"

namespace tenantsim {

class AdminService {
 public:
  // Both must outlive this object.
  AdminService(IdentityProvider& identity, Authorizer& auth) : identity_(identity), auth_(auth) {}

  Task<Result<nlohmann::json>> my_tenants(std::string token);
  Task<Result<nlohmann::json>> add_to_group(std::string token, nlohmann::json body);
  Task<Result<nlohmann::json>> create_user(std::string token, std::string tenant_id, nlohmann::json body);

 private:
  IdentityProvider& identity_;
  Authorizer& auth_;
};

}  // namespace tenantsim
