// CostService: what a tenant has used and what it costs. Usage and the subscription view are for
// any user of the tenant; tenant-wide costs and other users' costs for its admins; the admin cost
// reports for admins on a tier with cost_reports. Every figure is priced from the tenant's own
// usage records with the system's price catalog, in integer pico-dollars.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/api/authorizer.h"
#include "core/api/session_service.h"
#include "core/domain/metering.h"

namespace tenantsim {

// Which usage records a cost view covers: the last `days` x 24 hours up to now, or all of them.
struct CostWindow {
  std::optional<int> days;
};

class CostService {
 public:
  // All must outlive this object.
  CostService(Clock& clock, Authorizer& auth, TenantTables& tables, QuotaManager& quotas, SessionService& sessions,
              const PriceCatalog& prices)
      : clock_(clock), auth_(auth), tables_(tables), quotas_(quotas), sessions_(sessions), prices_(prices) {}

  Task<Result<nlohmann::json>> usage(std::string token, std::string tenant_id);
  Task<Result<nlohmann::json>> subscription(std::string token, std::string tenant_id);
  Task<Result<nlohmann::json>> tenant_costs(std::string token, std::string tenant_id, CostWindow window);
  Task<Result<nlohmann::json>> user_costs(std::string token, std::string tenant_id, std::string user_id,
                                          CostWindow window);
  // report: "overall-cost", "per-user-cost", "service-wise-cost", "comprehensive-report"
  Task<Result<nlohmann::json>> admin_report(std::string token, std::string tenant_id, std::string report,
                                            CostWindow window);
  Task<Result<nlohmann::json>> admin_user_service_cost(std::string token, std::string tenant_id, std::string user_id,
                                                       CostWindow window);

 private:
  Task<Result<nlohmann::json>> cost_json(const Caller& c, std::string user_filter, CostWindow window);
  Task<Result<CostSummary>> summary(const Caller& c, CostWindow window);

  Clock& clock_;
  Authorizer& auth_;
  TenantTables& tables_;
  QuotaManager& quotas_;
  SessionService& sessions_;
  const PriceCatalog& prices_;
};

}  // namespace tenantsim
