// SessionService: opening, closing and listing a user's chat sessions. A session holds one of the
// tier's concurrent-session slots from open to close (or expiry) and lasts the tier's session
// duration; its item lives in the tenant's sessions table under the key session_key.h writes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/api/authorizer.h"
#include "core/api/id_source.h"
#include "core/domain/quota.h"
#include "core/domain/tenant_tables.h"
#include "core/ports/clock.h"

namespace tenantsim {

class SessionService {
 public:
  // All must outlive this object.
  SessionService(Clock& clock, Authorizer& auth, TenantTables& tables, QuotaManager& quotas, IdSource& ids,
                 const DefectSet& defects)
      : clock_(clock), auth_(auth), tables_(tables), quotas_(quotas), ids_(ids), defects_(defects) {}

  Task<Result<nlohmann::json>> create(std::string token);
  Task<Result<nlohmann::json>> close(std::string token, std::string session_id);
  Task<Result<nlohmann::json>> list(std::string token, std::string tenant_id);
  // The sessions the caller may see (all of the tenant's for its admins, else their own), or only
  // the caller's own.
  Task<Result<nlohmann::json>> visible_to(const Caller& c, bool own_only = false);

 private:
  Clock& clock_;
  Authorizer& auth_;
  TenantTables& tables_;
  QuotaManager& quotas_;
  IdSource& ids_;
  const DefectSet& defects_;
};

}  // namespace tenantsim
