#include "core/domain/tenant_tables.h"

namespace tenantsim {

Result<std::shared_ptr<Table>> TenantTables::usage_table_for(const std::string& tenant_id) {
  auto t = tenants_.find(tenant_id);
  if (!t) return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no tenant " + tenant_id);
  return usage(*t);
}

}  // namespace tenantsim
