#include "reports/writers.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/domain/catalogs.h"
#include "reports/economics.h"

namespace tenantsim {

namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson money_json(Money m) { return OrderedJson{{"pico_usd", m.pico}, {"usd", m.to_usd_string()}}; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c == '\n' ? ' ' : c);
  return out;
}

// m[key], or `absent` when the key is not there (CSV columns of sparse maps).
template <class Map, class V>
V value_or(const Map& m, const std::string& key, V absent) {
  const auto it = m.find(key);
  return it == m.end() ? absent : it->second;
}

// Tier economics keyed by tier name: report.json's "tiers" object and summary.md's tier table list
// tiers in name order (kept so that reports of the same run stay byte-identical).
std::map<std::string, TierEconomics> by_tier(const RunResult& r) {
  std::map<std::string, TierEconomics> out;
  for (auto& e : tier_economics(r)) out.emplace(e.tier, std::move(e));
  return out;
}

}  // namespace

std::string markup_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_report_json(const RunResult& r) {
  OrderedJson j;
  j["schema_version"] = kReportSchemaVersion;
  j["scenario"] = {{"name", r.scenario}, {"description", r.description}, {"seed", r.seed},
                   {"start", r.start}, {"duration_hours", r.duration_hours}, {"price_catalog", r.price_catalog}};
  if (!r.overrides.empty()) j["scenario"]["overrides"] = r.overrides;
  j["defects_injected"] = r.defects;
  j["verdict"] = r.passed() ? "pass" : "fail";
  OrderedJson checks = OrderedJson::array();
  for (const auto& c : r.checks)
    checks.push_back({{"name", c.name}, {"description", c.description}, {"status", to_string(c.status())},
                      {"passed", c.status() == CheckStatus::kPass}, {"gating", c.gating}, {"may_skip", c.may_skip},
                      {"fails_run", c.fails_run()}, {"checked", c.checked}, {"failed", c.failed},
                      {"examples", c.examples}});
  j["checks"] = std::move(checks);
  OrderedJson status = OrderedJson::object();
  for (const auto& [code, n] : r.responses_by_status) status[std::to_string(code)] = n;
  j["requests"] = {{"total", r.requests}, {"by_status", std::move(status)}};
  OrderedJson tiers = OrderedJson::object();
  Money total;
  std::map<std::string, Money> services;
  Money revenue;
  for (const auto& [tier, e] : by_tier(r)) {
    OrderedJson svc = OrderedJson::object();
    for (const auto& [s, m] : e.cost_by_service) {
      svc[s] = money_json(m);
      services[s] += m;
    }
    total += e.cost;
    revenue += e.revenue;
    auto opt_money = [](const std::optional<Money>& m) { return m ? money_json(*m) : OrderedJson(nullptr); };
    tiers[tier] = {{"tenants", e.tenants}, {"users", e.users}, {"requests", e.requests},
                   {"chats_accepted", e.messages}, {"refused_limit", e.refused_limit}, {"throttled", e.throttled},
                   {"failed", e.failed}, {"cost", money_json(e.cost)}, {"cost_by_service", std::move(svc)}};
    tiers[tier]["economics"] = {
        {"revenue", money_json(e.revenue)},
        {"margin", money_json(e.margin)},
        {"margin_percent", e.margin_bp ? OrderedJson(bp_percent(*e.margin_bp)) : OrderedJson(nullptr)},
        {"losing_tenants", e.losing_tenants},
        {"cost_per_message", opt_money(e.cost_per_message)},
        {"tenant_cost", {{"p50", money_json(e.tenant_cost_p50)}, {"p90", money_json(e.tenant_cost_p90)},
                         {"p99", money_json(e.tenant_cost_p99)}, {"max", money_json(e.tenant_cost_max)}}},
        {"break_even_messages_per_tenant",
         e.break_even_messages_per_tenant ? OrderedJson(*e.break_even_messages_per_tenant) : OrderedJson(nullptr)},
        {"break_even_never", e.break_even_never}};
  }
  j["tiers"] = std::move(tiers);
  OrderedJson svc_total = OrderedJson::object();
  for (const auto& [s, m] : services) svc_total[s] = money_json(m);
  j["costs"] = {{"total", money_json(total)}, {"by_service", std::move(svc_total)}, {"ledgers", r.ledger_totals},
                {"revenue", money_json(revenue)}, {"margin", money_json(revenue - total)}};
  // Only where a run has less than the full bill (a wall-clock load), so simulated runs' reports keep their bytes.
  if (r.economics != EconomicsScope::kFull) j["costs"]["economics"] = to_string(r.economics);
  OrderedJson lat = OrderedJson::array();
  for (const auto& l : r.latency)
    lat.push_back({{"endpoint", l.endpoint}, {"tier", l.tier}, {"count", l.count}, {"p50_us", l.p50_us},
                   {"p95_us", l.p95_us}, {"p99_us", l.p99_us}, {"max_us", l.max_us}});
  j["latency_virtual"] = std::move(lat);
  OrderedJson timeline = OrderedJson::array();
  for (const auto& b : r.timeline)
    timeline.push_back({{"hour", b.hour}, {"requests", b.requests}, {"refused_limit", b.refused_limit},
                        {"throttled", b.throttled}, {"failed", b.failed}});
  j["timeline"] = std::move(timeline);
  if (r.load) {
    OrderedJson seconds = OrderedJson::array(), knee = OrderedJson::array();
    for (const auto& x : r.load->seconds)
      seconds.push_back({{"second", x.second}, {"requests", x.requests}, {"errors", x.errors}, {"refused", x.refused},
                         {"chat_p50_us", x.chat_p50_us}, {"chat_p99_us", x.chat_p99_us}});
    for (const auto& k : r.load->knee)
      knee.push_back({{"asked_per_s", k.asked_per_s}, {"achieved_per_s", k.achieved_per_s},
                      {"chat_p99_us", k.chat_p99_us}, {"held", k.held}});
    j["load_wall_clock"] = {{"model", r.load->model}, {"seconds", std::move(seconds)}, {"knee", std::move(knee)}};
  }
  OrderedJson refusals = OrderedJson::object();
  for (const auto& [code, x] : r.refusals)
    refusals[code] = {{"status", x.status}, {"count", x.count}, {"first_at", x.first_at}, {"reason", x.reason}};
  j["refusals"] = std::move(refusals);
  OrderedJson tenants = OrderedJson::array();
  for (const auto& t : r.tenants) {
    OrderedJson svc = OrderedJson::object();
    for (const auto& [s, m] : t.cost_by_service) svc[s] = money_json(m);
    tenants.push_back({{"id", t.id}, {"tier", t.tier}, {"deployment", t.deployment},
                       {"utc_offset_minutes", t.utc_offset_minutes}, {"users", t.users}, {"adversary", t.adversary},
                       {"requests", t.requests}, {"chats_accepted", t.chats_accepted},
                       {"refused_limit", t.refused_limit}, {"throttled", t.throttled}, {"failed", t.failed},
                       {"quantities", t.quantities}, {"cost", money_json(t.cost)},
                       {"cost_by_service", std::move(svc)}, {"revenue", money_json(t.revenue)},
                       {"revenue_lines",
                        {{"subscription", money_json(t.revenue_lines.subscription)},
                         {"seats", money_json(t.revenue_lines.seats)},
                         {"overage", money_json(t.revenue_lines.overage)}}},
                       {"margin", money_json(t.revenue - t.cost)}});
    OrderedJson months = OrderedJson::array();
    for (const auto& [key, n] : t.messages_by_month) months.push_back({{"month", key.first}, {"tier", key.second}, {"messages", n}});
    tenants.back()["messages_by_month"] = std::move(months);
    if (!t.time_zone.empty()) tenants.back()["time_zone"] = t.time_zone;
    if (!t.tier_changes.empty()) {
      OrderedJson changes = OrderedJson::array();
      for (const auto& [at, tier] : t.tier_changes) changes.push_back({{"at", at}, {"to", tier}});
      tenants.back()["tier_changes"] = std::move(changes);
    }
  }
  j["tenants"] = std::move(tenants);
  OrderedJson daily = OrderedJson::array();
  for (const auto& d : r.daily)
    daily.push_back({{"day", d.day}, {"revenue", money_json(d.revenue)}, {"metered_cost", money_json(d.metered_cost)},
                     {"fixed_cost", money_json(d.fixed_cost)}, {"platform_cost", money_json(d.platform_cost)}});
  j["daily"] = std::move(daily);
  OrderedJson monthly = OrderedJson::array();
  for (const auto& m : by_month(r.daily))
    monthly.push_back({{"month", m.month}, {"days", m.days}, {"revenue", money_json(m.revenue)},
                       {"metered_cost", money_json(m.metered_cost)}, {"fixed_cost", money_json(m.fixed_cost)},
                       {"platform_cost", money_json(m.platform_cost)}});
  j["monthly"] = std::move(monthly);
  OrderedJson users = OrderedJson::array();
  for (const auto& u : r.users) {
    OrderedJson svc = OrderedJson::object();
    for (const auto& [s, m] : u.cost_by_service) svc[s] = money_json(m);
    users.push_back({{"tenant", u.tenant}, {"tier", u.tier}, {"user", u.user}, {"cost", money_json(u.cost)},
                     {"cost_by_service", std::move(svc)}, {"revenue", money_json(u.revenue)}});
  }
  j["users"] = std::move(users);
  OrderedJson consumption = OrderedJson::array();
  for (const auto& c : r.consumption)
    consumption.push_back({{"tenant", c.tenant}, {"tier", c.tier}, {"agent", c.agent}, {"model", c.model},
                           {"invocations", c.invocations}, {"input_tokens", c.input_tokens},
                           {"output_tokens", c.output_tokens}, {"cost", money_json(c.cost)}});
  j["consumption"] = std::move(consumption);
  OrderedJson prices = OrderedJson::array();
  for (const auto& p : r.prices) prices.push_back({{"metric", p.metric}, {"model", p.model}, {"per_unit", money_json(p.per_unit)}});
  j["prices"] = std::move(prices);
  return j.dump(2) + "\n";
}

namespace {
constexpr const char* kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
}  // namespace

std::string render_junit(const RunResult& r) { return kXmlDeclaration + render_junit_suite(r, "tenantsim." + r.scenario); }

std::string render_seed_sweep_junit(const std::string& scenario, const std::vector<std::string>& suites, size_t tests,
                                    size_t failures) {
  std::string out = kXmlDeclaration;
  out += fmt::format("<testsuites name=\"tenantsim.{} seed sweep\" tests=\"{}\" failures=\"{}\">\n", markup_escape(scenario),
                     tests, failures);
  for (const auto& s : suites) out += s;
  return out + "</testsuites>\n";
}

std::string render_junit_suite(const RunResult& r, const std::string& suite) {
  int failures = 0, skipped = 0;
  for (const auto& c : r.checks) {
    failures += c.fails_run();
    skipped += c.status() == CheckStatus::kNotExercised && !c.fails_run();
  }
  std::string out = fmt::format("<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"0\">\n",
                                markup_escape(suite), r.checks.size(), failures, skipped);
  for (const auto& c : r.checks) {
    out += fmt::format("  <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n", markup_escape(suite), markup_escape(c.name));
    std::string body;
    for (const auto& e : c.examples) body += e + "\n";
    if (c.fails_run() && c.failed > 0) {
      out += fmt::format("    <failure message=\"{} of {} failed: {}\">{}</failure>\n", c.failed, c.checked,
                         markup_escape(c.description), markup_escape(body));
    } else if (c.fails_run()) {
      out += fmt::format("    <failure message=\"not exercised: judged nothing ({})\"/>\n", markup_escape(c.description));
    } else if (c.status() == CheckStatus::kWarn) {
      out += fmt::format("    <system-out>WARN (not gating): {} of {} failed: {}\n{}</system-out>\n", c.failed,
                         c.checked, markup_escape(c.description), markup_escape(body));
    } else if (c.status() == CheckStatus::kNotExercised) {
      out += "    <skipped message=\"not exercised (allowed by the scenario)\"/>\n";
    }
    out += "  </testcase>\n";
  }
  return out + "</testsuite>\n";
}

std::string render_summary_md(const RunResult& r) {
  std::string out = fmt::format("# tenantsim: {} — {}\n\n", r.scenario, r.passed() ? "PASS" : "FAIL");
  out += fmt::format("Seed {}, {} h from {}, {} tenants, {} requests.", r.seed, r.duration_hours, r.start,
                     r.tenants.size(), r.requests);
  if (!r.defects.empty()) {
    out += " **Defects injected:**";
    for (const auto& d : r.defects) out += " `" + d + "`";
  }
  out += "\n\n| check | result | failed / checked | first example |\n|---|---|---|---|\n";
  for (const auto& c : r.checks)
    out += fmt::format("| `{}` | {} | {} / {} | {} |\n", c.name,
                       c.fails_run() ? "**" + c.label() + "**" : c.label(), c.failed, c.checked,
                       c.examples.empty() ? "" : md_cell(c.examples.front()));
  if (!r.refusals.empty()) {
    out += "\n### Refusals and failures of ordinary users\n\n| code | status | reason | count | first at |\n|---|---|---|---|---|\n";
    for (const auto& [code, x] : r.refusals)
      out += fmt::format("| `{}` | {} | {} | {} | {} |\n", md_cell(code), x.status, x.reason, x.count, x.first_at);
    // The shared resource that gave out first is the throttle seen earliest (ISO times sort as
    // text); tier limits are the product working as sold, injected faults the scenario's doing.
    const std::pair<const std::string, Refusal>* first = nullptr;
    for (const auto& entry : r.refusals)
      if (entry.second.reason.rfind("throttled", 0) == 0 && (!first || entry.second.first_at < first->second.first_at))
        first = &entry;
    out += first ? fmt::format("\nSaturated first: `{}` ({}) at {}.\n", first->first, first->second.reason, first->second.first_at)
                 : std::string("\nNo shared service throttled.\n");
    bool injected = false;
    for (const auto& [code, x] : r.refusals) injected |= x.reason.rfind("injected fault", 0) == 0;
    if (injected) out += "Failures marked *injected fault* come from the scenario's fault plans (`faults`), not from load.\n";
  }
  const bool costs = r.economics != EconomicsScope::kNone;
  out += std::string("\n| tier | tenants | users | chats | refused (tier limit) | throttled | failed (5xx) |") +
         (costs ? " cost USD |\n|---|---|---|---|---|---|---|---|\n" : "\n|---|---|---|---|---|---|---|\n");
  const auto tiers = by_tier(r);
  for (const auto& [tier, e] : tiers)
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |{}\n", tier, e.tenants, e.users, e.messages,
                       e.refused_limit, e.throttled, e.failed, costs ? " " + e.cost.to_usd_string() + " |" : "");
  if (!costs) return out + "\nCosts: not read (the target's metering is its own: this run judged its answers only).\n";
  if (r.economics == EconomicsScope::kCostOnly)
    out += "\nCost: what this traffic cost as the system metered it. No revenue or margin: seconds of prorated fees "
           "are not a bill (`tenantsim run` models a month).\n";
  const auto top = most_expensive_tenants(r, 5);
  if (r.economics == EconomicsScope::kFull) {
    out += "\n### Margin by tier (subscription fees prorated over the run, less cost)\n\n"
           "| tier | revenue USD | cost USD | margin USD | margin % | tenants losing money | cost per message USD |\n"
           "|---|---|---|---|---|---|---|\n";
    for (const auto& e : tier_economics(r))
      out += fmt::format("| {} | {} | {} | {} | {} | {} of {} | {} |\n", e.tier, e.revenue.to_usd_string(),
                         e.cost.to_usd_string(), e.margin.to_usd_string(), e.margin_bp ? bp_percent(*e.margin_bp) : "n/a",
                         e.losing_tenants, e.tenants, e.cost_per_message ? e.cost_per_message->to_usd_string() : "n/a");
  }
  if (!top.empty()) out += "\nMost expensive tenants:";
  for (const auto* t : top)
    out += fmt::format(" `{}` ({}) {} USD;", t->id, t->tier, t->cost.to_usd_string());
  if (!top.empty()) out.back() = '\n';
  return out;
}

std::string render_costs_csv(const RunResult& r) {
  std::string out = "tenant,tier,service,pico_usd,usd\n";
  for (const auto& t : r.tenants)
    for (const auto& [svc, m] : t.cost_by_service)
      out += fmt::format("{},{},{},{},{}\n", csv_field(t.id), csv_field(t.tier), csv_field(svc), m.pico, m.to_usd_string());
  return out;
}

std::string render_tenants_csv(const RunResult& r) {
  std::string out =
      "tenant,tier,deployment,utc_offset_minutes,users,adversary,requests,chats_accepted,refused_limit,throttled,failed,"
      "input_tokens,output_tokens,invocations,weather_calls,tool_executions,knowledge_base_retrievals,dynamodb_read_half_units,"
      "dynamodb_write_request_units,cognito_monthly_active_users,cost_usd,revenue_usd,margin_usd,subscription_usd,seats_usd,"
      "overage_usd,time_zone\n";
  for (const auto& t : r.tenants) {
    auto q = [&](const char* metric) { return value_or(t.quantities, metric, int64_t{0}); };
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(t.id),
                       csv_field(t.tier), t.deployment, t.utc_offset_minutes, t.users, t.adversary, t.requests,
                       t.chats_accepted, t.refused_limit, t.throttled, t.failed, q(metric::kInputTokens),
                       q(metric::kOutputTokens), q(metric::kInvocation), q(metric::kWeatherCall),
                       q(metric::kToolExecution), q(metric::kKbRetrieval), q(quantity::kDynamoReadHalfUnits), q(quantity::kDynamoWriteUnits),
                       q(quantity::kCognitoMaus),
                       t.cost.to_usd_string(), t.revenue.to_usd_string(), (t.revenue - t.cost).to_usd_string(),
                       t.revenue_lines.subscription.to_usd_string(), t.revenue_lines.seats.to_usd_string(),
                       t.revenue_lines.overage.to_usd_string(), csv_field(t.time_zone));
  }
  return out;
}

std::string render_tiers_csv(const RunResult& r) {
  std::string out =
      "tier,tenants,users,messages,revenue_usd,cost_usd,margin_usd,margin_percent,losing_tenants,cost_per_message_usd,"
      "tenant_cost_p50_usd,tenant_cost_p90_usd,tenant_cost_p99_usd,tenant_cost_max_usd,break_even_messages_per_tenant,"
      "bedrock_agent_usd,weather_api_usd,mcp_runtime_usd,knowledge_base_usd,agentcore_runtime_usd,agentcore_gateway_usd,"
      "dynamodb_usd,cognito_usd,silo_fixed_usd,other_usd\n";
  for (const auto& e : tier_economics(r)) {
    auto svc = [&](const char* s) { return value_or(e.cost_by_service, s, Money{}).to_usd_string(); };
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(e.tier), e.tenants, e.users,
                       e.messages, e.revenue.to_usd_string(), e.cost.to_usd_string(), e.margin.to_usd_string(),
                       e.margin_bp ? bp_percent(*e.margin_bp) : "", e.losing_tenants,
                       e.cost_per_message ? e.cost_per_message->to_usd_string() : "", e.tenant_cost_p50.to_usd_string(),
                       e.tenant_cost_p90.to_usd_string(), e.tenant_cost_p99.to_usd_string(),
                       e.tenant_cost_max.to_usd_string(),
                       e.break_even_never                 ? std::string("never")
                       : e.break_even_messages_per_tenant ? std::to_string(*e.break_even_messages_per_tenant)
                                                          : std::string(),
                       svc("bedrock_agent"), svc("weather_api"), svc("mcp_runtime"), svc("knowledge_base"),
                       svc("agentcore_runtime"), svc("agentcore_gateway"), svc("dynamodb"), svc("cognito"),
                       svc("silo_fixed"), svc("other"));
  }
  return out;
}

std::string render_daily_csv(const RunResult& r) {
  std::string out =
      "day,revenue_usd,metered_cost_usd,fixed_cost_usd,platform_cost_usd,"
      "revenue_pico_usd,metered_cost_pico_usd,fixed_cost_pico_usd,platform_cost_pico_usd\n";
  for (const auto& d : r.daily)
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", d.day, d.revenue.to_usd_string(), d.metered_cost.to_usd_string(),
                       d.fixed_cost.to_usd_string(), d.platform_cost.to_usd_string(), d.revenue.pico,
                       d.metered_cost.pico, d.fixed_cost.pico, d.platform_cost.pico);
  return out;
}

std::string render_monthly_csv(const RunResult& r) {
  std::string out =
      "month,days,revenue_usd,metered_cost_usd,fixed_cost_usd,platform_cost_usd,"
      "revenue_pico_usd,metered_cost_pico_usd,fixed_cost_pico_usd,platform_cost_pico_usd\n";
  for (const auto& m : by_month(r.daily))
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", m.month, m.days, m.revenue.to_usd_string(),
                       m.metered_cost.to_usd_string(), m.fixed_cost.to_usd_string(), m.platform_cost.to_usd_string(),
                       m.revenue.pico, m.metered_cost.pico, m.fixed_cost.pico, m.platform_cost.pico);
  return out;
}

std::string render_consumption_csv(const RunResult& r) {
  std::string out = "tenant,tier,agent,model,invocations,input_tokens,output_tokens,cost_usd\n";
  for (const auto& c : r.consumption)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", csv_field(c.tenant), csv_field(c.tier), csv_field(c.agent),
                       csv_field(c.model), c.invocations, c.input_tokens, c.output_tokens, c.cost.to_usd_string());
  return out;
}

std::string render_users_csv(const RunResult& r) {
  std::string out =
      "tenant,tier,user,cost_usd,bedrock_agent_usd,weather_api_usd,mcp_runtime_usd,knowledge_base_usd,"
      "agentcore_runtime_usd,agentcore_gateway_usd,revenue_usd\n";
  for (const auto& u : r.users) {
    auto svc = [&](const char* s) { return value_or(u.cost_by_service, s, Money{}).to_usd_string(); };
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(u.tenant), csv_field(u.tier), csv_field(u.user),
                       u.cost.to_usd_string(), svc("bedrock_agent"), svc("weather_api"), svc("mcp_runtime"),
                       svc("knowledge_base"), svc("agentcore_runtime"), svc("agentcore_gateway"),
                       u.revenue.to_usd_string());
  }
  return out;
}

std::string render_sweep_csv(const std::vector<std::string>& keys, const std::vector<SweepCell>& cells) {
  std::string out = "cell";
  for (const auto& k : keys) out += "," + csv_field(k);
  out += ",verdict,tier,tenants,messages,revenue_usd,cost_usd,margin_usd,margin_percent,losing_tenants,"
         "cost_per_message_usd\n";
  for (const auto& c : cells) {
    std::string prefix = csv_field(c.name);
    for (const auto& k : keys) {
      std::string value;
      for (const auto& o : c.overrides)
        if (o.rfind(k + "=", 0) == 0) value = o.substr(k.size() + 1);
      prefix += "," + csv_field(value);
    }
    prefix += std::string(",") + (c.result.passed() ? "pass" : "fail");
    for (const auto& e : tier_economics(c.result))
      out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", prefix, csv_field(e.tier), e.tenants, e.messages,
                         e.revenue.to_usd_string(), e.cost.to_usd_string(), e.margin.to_usd_string(),
                         e.margin_bp ? bp_percent(*e.margin_bp) : "", e.losing_tenants,
                         e.cost_per_message ? e.cost_per_message->to_usd_string() : "");
  }
  return out;
}

std::string render_timing_json(const RunTiming& t) {
  OrderedJson j{{"wall_seconds", t.wall_seconds},
         {"simulated_requests_per_second", t.simulated_requests_per_second},
         {"peak_rss_kib", t.peak_rss_kib}};
  return j.dump(2) + "\n";
}

Status write_reports(const std::string& dir, const RunResult& r, const RunTiming& t) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::make(ErrorKind::kUnavailable, "OutputDirectory", fmt::format("cannot create {}: {}", dir, ec.message()));
  const std::pair<const char*, std::string> files[] = {
      {"report.json", render_report_json(r)}, {"junit.xml", render_junit(r)},
      {"summary.md", render_summary_md(r)},   {"costs.csv", render_costs_csv(r)},
      {"tenants.csv", render_tenants_csv(r)}, {"tiers.csv", render_tiers_csv(r)},
      {"users.csv", render_users_csv(r)},     {"daily.csv", render_daily_csv(r)}, {"monthly.csv", render_monthly_csv(r)},
      {"consumption.csv", render_consumption_csv(r)},
      {"timing.json", render_timing_json(t)},
      {"report.html", render_html(r)},
  };
  for (const auto& [name, text] : files)
    if (auto st = write_file_atomically((fs::path(dir) / name).string(), text); !st.ok()) return st;
  return Status{};
}

Status write_file_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path final_path(path);
  const fs::path tmp = final_path.parent_path() / ("." + final_path.filename().string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Error::make(ErrorKind::kUnavailable, "WriteFailed", "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, final_path, ec);
  if (ec)
    return Error::make(ErrorKind::kUnavailable, "WriteFailed",
                       fmt::format("cannot rename into {}: {}", final_path.string(), ec.message()));
  return Status{};
}

}  // namespace tenantsim
