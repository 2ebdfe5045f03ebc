#include "core/domain/tenant_tables.h"

namespace tenantsim {

Result<TenantUsageTable> TenantTables::usage_of(const std::string& tenant_id) {
  auto t = tenants_.find(tenant_id);
  if (!t) return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no tenant " + tenant_id);
  auto table = usage(*t);
  if (!table.ok()) return table.take_error();
  return TenantUsageTable{std::move(table).value(), t->zone};
}

}  // namespace tenantsim
