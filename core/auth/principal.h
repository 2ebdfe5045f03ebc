// Principal: who a verified token says the caller is. Only TokenVerifier makes one.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "core/base/time.h"

namespace tenantsim {

struct Principal {
  std::string sub;        // the user's stable id
  std::string username;   // "cognito:username" (ID tokens) or "username" (access tokens)
  std::string tenant_id;  // "custom:tenant_id"
  std::string tier;       // "custom:subscription_tier" as the token states it
  std::vector<std::string> groups;
  std::string token_use;  // "id" or "access"
  std::string issuer;
  std::string client_id;
  Time expires_at{};

  bool in_group(const std::string& g) const { return std::find(groups.begin(), groups.end(), g) != groups.end(); }
  // Admins of tenant t are the members of "{t}-admins" (seed 000).
  bool is_admin_of(const std::string& tenant) const { return tenant == tenant_id && in_group(tenant + "-admins"); }
};

}  // namespace tenantsim
