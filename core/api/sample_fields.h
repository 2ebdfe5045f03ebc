// The public sample's frontend (seed 000's index.html) reads costs as JSON numbers of dollars, and
// usage under its own names (total_cost, service_breakdown, summary, ...). These functions add
// those fields beside tenantsim's own, so the page works unchanged against our API while every
// exact amount stays available as an integer ({"usd": "0.0123", "pico_usd": 12300000000}).
// The numbers are for display: computed once from the exact total, never summed as doubles.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/domain/metering.h"

namespace tenantsim::sample_fields {

// Dollars as a JSON number, for a page that calls .toFixed() on it.
double usd(Money m);

// GET /api/tenants/{t}/costs (whole tenant) and .../users/{u}/costs (one user).
void tenant_costs(nlohmann::json& out, const CostSummary& s, const std::string& only_user = "");
void user_costs(nlohmann::json& out, const CostSummary& s, const std::string& user);
// GET /api/admin/tenants/{t}/{report}.
void overall_cost(nlohmann::json& out, const CostSummary& s);
void per_user_cost(nlohmann::json& out, const CostSummary& s);
void service_wise_cost(nlohmann::json& out, const CostSummary& s);
void comprehensive_report(nlohmann::json& out, const CostSummary& s);

}  // namespace tenantsim::sample_fields
