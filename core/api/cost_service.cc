#include "core/api/cost_service.h"

#include "core/api/request_fields.h"
#include "core/api/sample_fields.h"

namespace tenantsim {

namespace {

template <class Map>
Json money_map(const Map& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = money_json(v);
  return j;
}

}  // namespace

Task<Result<CostSummary>> CostService::summary(const Caller& c, CostWindow window) {
  CO_TRY(auto table, tables_.usage(c.tenant));
  std::optional<Period> period;
  if (window.days) {
    const Time now = clock_.now();
    period = Period{now - std::chrono::hours(24) * *window.days, now + Duration(1)};
  }
  co_return co_await summarize_usage(*table, c.tenant.id, period, prices_, c.tenant.zone);
}

Task<Result<Json>> CostService::usage(std::string token, std::string tenant_id) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  CO_TRY(auto table, tables_.usage(c.tenant));
  // The tenant's local month, as its quota windows count it; usage keys are UTC times.
  const Time now = clock_.now();
  const TimeZone& zone = c.tenant.zone;
  const std::string month = month_key(now, zone);
  const Period period{month_start(now, zone), next_month_start(now, zone)};
  CO_TRY(CostSummary costs, co_await summarize_usage(*table, c.tenant.id, period, prices_, zone));
  Json metrics = Json::object();
  for (const auto& [k, line] : costs.lines) metrics[line.metric_type] = metrics.value(line.metric_type, int64_t{0}) + line.quantity;
  // total_messages and sessions: the sample frontend's names (messages this month in the scope the
  // tier limits; sessions the caller can list).
  CO_TRY(UsageCounts counts, co_await quotas_.counts(*table, c.tenant, *c.tier, c.principal.sub));
  CO_TRY(Json sessions, co_await sessions_.visible_to(c));
  co_return Json{{"tenant_id", c.tenant.id}, {"period", month}, {"metrics", metrics}, {"records", costs.records},
                 {"total_messages", counts.monthly_messages}, {"sessions", sessions.size()}};
}

Task<Result<Json>> CostService::subscription(std::string token, std::string tenant_id) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  CO_TRY(auto table, tables_.usage(c.tenant));
  CO_TRY(UsageCounts counts, co_await quotas_.counts(*table, c.tenant, *c.tier, c.principal.sub));
  CO_TRY(Json sessions, co_await sessions_.visible_to(c, true));
  int64_t active = 0;
  for (const auto& s : sessions) active += s.value("status", "") == "active";
  const TierPolicy& t = *c.tier;
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(t.session_duration).count();
  // Beside our names, the sample frontend's (max_session_duration, mcp_server_access, daily_usage,
  // monthly_usage, active_sessions), with the JSON types its page reads.
  co_return Json{
      {"tenant_id", c.tenant.id},
      {"subscription_tier", t.name},
      {"limits", {{"daily_messages", t.daily_messages}, {"monthly_messages", t.monthly_messages},
                  {"concurrent_sessions", t.concurrent_sessions},
                  {"session_duration_minutes", minutes}, {"max_session_duration", minutes},
                  {"weather_tools", t.tools}, {"mcp_server_access", !t.tools.empty()}, {"cost_reports", t.cost_reports},
                  {"message_limit_scope", t.message_limit_scope == LimitScope::kUser ? "user" : "tenant"}}},
      {"current_usage", {{"daily_messages", counts.daily_messages}, {"monthly_messages", counts.monthly_messages},
                         {"daily_usage", counts.daily_messages}, {"monthly_usage", counts.monthly_messages},
                         {"active_sessions", active}, {"day", counts.day}, {"month", counts.month}}},
      {"limit_status", {{"daily_limit_exceeded", t.daily_messages > 0 && counts.daily_messages >= t.daily_messages},
                        {"monthly_limit_exceeded", t.monthly_messages > 0 && counts.monthly_messages >= t.monthly_messages}}}};
}

Task<Result<Json>> CostService::cost_json(const Caller& c, std::string user_filter, CostWindow window) {
  CO_TRY(CostSummary s, co_await summary(c, window));
  if (user_filter.empty()) {
    Json out{{"tenant_id", c.tenant.id}, {"price_catalog", prices_.name()}, {"total", money_json(s.total)},
             {"by_service", money_map(s.by_service)}, {"by_user", money_map(s.by_user)}, {"records", s.records}};
    sample_fields::tenant_costs(out, s);
    co_return out;
  }
  Money total;
  Json services = Json::object();
  auto it = s.by_user_service.find(user_filter);
  if (it != s.by_user_service.end())
    for (const auto& [k, v] : it->second) {
      services[k] = money_json(v);
      total += v;
    }
  Json out{{"tenant_id", c.tenant.id}, {"user_id", user_filter}, {"price_catalog", prices_.name()},
           {"total", money_json(total)}, {"by_service", services}};
  // The tenant report's shape too, over this user's share: the sample's page reads that shape from
  // GET .../costs whoever signed in, and a user who is no admin sees only their own part of it.
  sample_fields::tenant_costs(out, s, user_filter);
  sample_fields::user_costs(out, s, user_filter);
  co_return out;
}

Task<Result<Json>> CostService::tenant_costs(std::string token, std::string tenant_id, CostWindow window) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  // Tenant-wide costs are for the tenant's admins; a user gets their own.
  std::string filter = auth_.sees_tenant_costs(c) ? std::string() : c.principal.sub;  // no ?: inside co_await (GCC 12)
  co_return co_await cost_json(c, std::move(filter), window);
}

Task<Result<Json>> CostService::user_costs(std::string token, std::string tenant_id, std::string user_id,
                                           CostWindow window) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  if (user_id != c.principal.sub && !auth_.sees_tenant_costs(c))
    co_return forbidden("NotAdmin", "only the tenant's admins see other users' costs");
  co_return co_await cost_json(c, std::move(user_id), window);
}

Task<Result<Json>> CostService::admin_report(std::string token, std::string tenant_id, std::string report,
                                             CostWindow window) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  CO_CHECK(auth_.require_cost_reports(c));
  CO_TRY(CostSummary s, co_await summary(c, window));
  Json out = {{"tenant_id", c.tenant.id}, {"report", report}, {"price_catalog", prices_.name()}};
  if (report == "overall-cost") {
    out["total"] = money_json(s.total);
    out["by_service"] = money_map(s.by_service);
    sample_fields::overall_cost(out, s);
  } else if (report == "per-user-cost") {
    out["by_user"] = money_map(s.by_user);
    sample_fields::per_user_cost(out, s);
  } else if (report == "service-wise-cost") {
    out["by_service"] = money_map(s.by_service);
    out["by_day"] = money_map(s.by_day);
    sample_fields::service_wise_cost(out, s);
  } else if (report == "comprehensive-report") {
    sample_fields::comprehensive_report(out, s);
    out["total"] = money_json(s.total);
    out["by_service"] = money_map(s.by_service);
    out["by_user"] = money_map(s.by_user);
    out["by_day"] = money_map(s.by_day);
    Json lines = Json::array();
    for (const auto& [k, l] : s.lines)
      lines.push_back({{"metric_type", l.metric_type}, {"model_id", l.model_id}, {"quantity", l.quantity}, {"cost", money_json(l.cost)}});
    out["lines"] = lines;
  } else {
    co_return Error::make(ErrorKind::kNotFound, "UnknownReport", "no such cost report: " + report);
  }
  co_return out;
}

Task<Result<Json>> CostService::admin_user_service_cost(std::string token, std::string tenant_id, std::string user_id,
                                                        CostWindow window) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  CO_CHECK(auth_.require_cost_reports(c));
  co_return co_await cost_json(c, std::move(user_id), window);
}

}  // namespace tenantsim
