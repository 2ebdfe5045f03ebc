#include "core/api/sample_fields.h"

#include <algorithm>
#include <vector>

#include "core/domain/catalogs.h"

namespace tenantsim::sample_fields {

namespace {

using Json = nlohmann::json;

struct UserTotals {
  int64_t invocations = 0, input = 0, output = 0;
};

UserTotals totals_of(const CostSummary& s, const std::string& user) {
  UserTotals t;
  const auto it = s.quantity_by_user.find(user);
  if (it == s.quantity_by_user.end()) return t;
  for (const auto& [key, q] : it->second) {
    if (key.first == metric::kInvocation) t.invocations += q;
    if (key.first == metric::kInputTokens) t.input += q;
    if (key.first == metric::kOutputTokens) t.output += q;
  }
  return t;
}

Money find_or_zero(const std::map<std::string, Money>& m, const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? Money{} : it->second;
}

// The sample's "agent runtime" cost: its MCP runtime's tool executions, and the AgentCore
// runtime and gateway the agent runs on here.
Money agent_runtime_cost(const std::map<std::string, Money>& by_service) {
  return find_or_zero(by_service, "mcp_runtime") + find_or_zero(by_service, "agentcore_runtime") +
         find_or_zero(by_service, "agentcore_gateway");
}

// The unit the sample counts a service's uses in: calls, not records or tokens.
int64_t uses(const CostSummary& s, const std::string& service) {
  int64_t n = 0;
  for (const auto& [key, line] : s.lines) {
    const bool counts = key.first == metric::kInvocation || key.first == metric::kWeatherCall ||
                        key.first == metric::kToolExecution;
    if (counts && service == metric::service_of(key.first)) n += line.quantity;
  }
  return n;
}

Json breakdown(const CostSummary& s) {
  Json j = Json::object();
  for (const auto& [k, v] : s.by_service) j[k] = usd(v);
  return j;
}

// Users by cost, most expensive first (ties by id, so the order is stable).
std::vector<std::pair<std::string, Money>> ranked_users(const CostSummary& s) {
  std::vector<std::pair<std::string, Money>> v(s.by_user.begin(), s.by_user.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second.pico > b.second.pico; });
  return v;
}

}  // namespace

double usd(Money m) { return static_cast<double>(m.pico) / 1e12; }

void tenant_costs(Json& out, const CostSummary& s, const std::string& only_user) {
  // The services are the tenant's, or the one user's when the caller sees only their own.
  const std::map<std::string, Money> none;
  const std::map<std::string, Money>* services = &s.by_service;
  if (!only_user.empty()) {
    const auto it = s.by_user_service.find(only_user);
    services = it == s.by_user_service.end() ? &none : &it->second;
  }
  out["total_cost"] = usd(only_user.empty() ? s.total : find_or_zero(s.by_user, only_user));
  UserTotals all;
  Json users = Json::object();
  for (const auto& [user, cost] : s.by_user) {
    if (!only_user.empty() && user != only_user) continue;
    const UserTotals t = totals_of(s, user);
    all.invocations += t.invocations;
    all.input += t.input;
    all.output += t.output;
    users[user] = {{"total_cost", usd(cost)}, {"invocations", t.invocations}};
  }
  // Where the sample's page reads them (getCostReport: cost_breakdown.total_tokens.input, ...),
  // and at the top level, where earlier clients of ours read them.
  const Json tokens = {{"input", all.input}, {"output", all.output}};
  Json costs = Json::object();
  costs["bedrock_costs"] = usd(find_or_zero(*services, "bedrock_agent"));
  costs["weather_api_costs"] = usd(find_or_zero(*services, "weather_api"));
  costs["agent_runtime_costs"] = usd(agent_runtime_cost(*services));
  costs["total_invocations"] = all.invocations;
  costs["total_tokens"] = tokens;
  out["cost_breakdown"] = std::move(costs);
  out["total_invocations"] = all.invocations;
  out["total_tokens"] = tokens;
  out["users"] = users;
}

void user_costs(Json& out, const CostSummary& s, const std::string& user) {
  const auto it = s.by_user_service.find(user);
  const std::map<std::string, Money> none;
  const auto& services = it == s.by_user_service.end() ? none : it->second;
  out["total_cost"] = usd(find_or_zero(s.by_user, user));
  out["bedrock_cost"] = usd(find_or_zero(services, "bedrock_agent"));
  out["weather_api_cost"] = usd(find_or_zero(services, "weather_api"));
  out["agent_runtime_cost"] = usd(agent_runtime_cost(services));
  const UserTotals t = totals_of(s, user);
  out["invocations"] = t.invocations;
  out["tokens"] = {{"input", t.input}, {"output", t.output}};
}

void overall_cost(Json& out, const CostSummary& s) {
  out["total_cost"] = usd(s.total);
  out["service_breakdown"] = breakdown(s);
  Json pct = Json::object();
  for (const auto& [k, v] : s.by_service)
    pct[k] = s.total.pico == 0 ? 0.0 : static_cast<double>(v.pico) * 100.0 / static_cast<double>(s.total.pico);
  out["cost_per_service_percentage"] = pct;
}

void per_user_cost(Json& out, const CostSummary& s) {
  Json users = Json::object();
  for (const auto& [user, cost] : s.by_user) {
    const UserTotals t = totals_of(s, user);
    users[user] = {{"total_cost", usd(cost)},
                   {"usage_stats", {{"invocations", t.invocations}, {"tokens", {{"input", t.input}, {"output", t.output}}}}}};
  }
  out["users"] = users;
}

void service_wise_cost(Json& out, const CostSummary& s) {
  Json services = Json::object();
  for (const auto& [service, cost] : s.by_service) {
    const int64_t n = uses(s, service);
    std::string peak_day;
    Money peak;
    if (const auto d = s.by_service_day.find(service); d != s.by_service_day.end())
      for (const auto& [day, c] : d->second)
        if (peak_day.empty() || c.pico > peak.pico) {
          peak_day = day;
          peak = c;
        }
    services[service] = {{"total_cost", usd(cost)},
                         {"usage_count", n},
                         {"average_cost_per_use", n == 0 ? 0.0 : usd(cost) / static_cast<double>(n)},
                         {"peak_usage_day", {{"date", peak_day}, {"cost", usd(peak)}}}};
  }
  out["service_breakdown"] = services;
}

void comprehensive_report(Json& out, const CostSummary& s) {
  std::string top_service = "none";
  Money top;
  for (const auto& [k, v] : s.by_service)
    if (top_service == "none" || v.pico > top.pico) {
      top_service = k;
      top = v;
    }
  const auto ranked = ranked_users(s);
  out["summary"] = {{"total_tenant_cost", usd(s.total)},
                    {"total_users", s.by_user.size()},
                    {"highest_cost_service", top_service},
                    {"most_expensive_user", ranked.empty() ? std::string("none") : ranked.front().first}};
  Json top_users = Json::object();
  for (size_t i = 0; i < ranked.size() && i < 5; ++i) top_users[ranked[i].first] = {{"total_cost", usd(ranked[i].second)}};
  out["4_top_users_by_cost"] = top_users;
}

}  // namespace tenantsim::sample_fields
