// TenantTables: the one place that opens a tenant's tables. Every handle is bound to one partition
// value (a leading-key scope, as an IAM policy would bind it), so code holding the handle cannot
// touch another tenant's items. Metering reaches the usage tables through it, not through the
// System that owns it: no dependency runs back up the layers.
#pragma once

#include <memory>
#include <string>

#include "core/domain/metering.h"
#include "core/domain/tenants.h"
#include "core/ports/table.h"

namespace tenantsim {

class TenantTables final : public UsageTableSource {
 public:
  // Both must outlive this object.
  TenantTables(Database& database, const TenantDirectory& tenants) : database_(database), tenants_(tenants) {}

  Result<std::shared_ptr<Table>> sessions(const Tenant& tenant) { return scoped(tenant.sessions_table, tenant.id); }
  Result<std::shared_ptr<Table>> usage(const Tenant& tenant) { return scoped(tenant.usage_table, tenant.id); }
  // The usage table of a tenant named by id and its zone (NotFound for an unknown tenant).
  Result<TenantUsageTable> usage_of(const std::string& tenant_id) override;
  Result<std::shared_ptr<Table>> usage_table_for(const std::string& tenant_id) {
    auto u = usage_of(tenant_id);
    if (!u.ok()) return u.take_error();
    return std::move(u->table);
  }
  // Any table, bound to one partition value (the memory store under one actor, say).
  Result<std::shared_ptr<Table>> scoped(const std::string& table, const std::string& partition_value) {
    return database_.open(table, LeadingKeyScope{partition_value});
  }

 private:
  Database& database_;
  const TenantDirectory& tenants_;
};

}  // namespace tenantsim
