// The one owner of the sessions table's sort key. Seed 000 writes it as
// "{tenant}-{tier}-{user}-{session}"; with the tier in the key, a tenant whose tier changes can no
// longer find its open sessions (and so never frees their concurrent-session slots). The tier is
// an attribute of the session item instead, and the key is the agent runtime's session id form,
// "{tenant}-{user}-{session}" (seed 000's runtime session id), under the tenant's partition.
#pragma once

#include <string>

namespace tenantsim {

inline std::string session_key(const std::string& tenant_id, const std::string& user_id, const std::string& session_id) {
  return tenant_id + "-" + user_id + "-" + session_id;
}

}  // namespace tenantsim
