// report.json back into a RunResult, so every other format can be rendered again from a stored
// run (results.sqlite keeps the report) without running it again.
#include <fmt/format.h>

#include "reports/writers.h"

namespace tenantsim {

namespace {
using Json = nlohmann::json;
Money money(const Json& j) { return Money{j.value("pico_usd", int64_t{0})}; }
}  // namespace

Result<RunResult> parse_report_json(const std::string& text) {
  return run_result_from_json(Json::parse(text, nullptr, false));
}

Result<RunResult> run_result_from_json(const Json& j) {
  if (j.is_discarded() || !j.is_object() || j.value("schema_version", 0) != kReportSchemaVersion)
    return Error::make(ErrorKind::kBadRequest, "UnsupportedReport",
                       fmt::format("not a report.json of schema version {}", kReportSchemaVersion));
  try {
    RunResult r;
    const Json& s = j.at("scenario");
    r.scenario = s.value("name", "");
    r.description = s.value("description", "");
    r.seed = s.value("seed", uint64_t{0});
    r.start = s.value("start", "");
    r.duration_hours = s.value("duration_hours", int64_t{0});
    r.price_catalog = s.value("price_catalog", "");
    r.overrides = s.value("overrides", std::vector<std::string>{});
    r.defects = j.value("defects_injected", std::vector<std::string>{});
    for (const auto& c : j.at("checks")) {
      CheckResult x;
      x.name = c.at("name");
      x.description = c.value("description", "");
      x.gating = c.value("gating", true);
      x.may_skip = c.value("may_skip", false);
      x.checked = c.value("checked", int64_t{0});
      x.failed = c.value("failed", int64_t{0});
      x.examples = c.value("examples", std::vector<std::string>{});
      r.checks.push_back(std::move(x));
    }
    r.requests = j.at("requests").value("total", int64_t{0});
    for (const auto& [code, n] : j.at("requests").at("by_status").items()) r.responses_by_status[std::stoi(code)] = n;
    r.ledger_totals = j.at("costs").value("ledgers", std::map<std::string, int64_t>{});
    const std::string economics = j.at("costs").value("economics", "full");
    for (auto e : {EconomicsScope::kFull, EconomicsScope::kCostOnly, EconomicsScope::kNone})
      if (economics == to_string(e)) r.economics = e;
    for (const auto& l : j.value("latency_virtual", Json::array()))
      r.latency.push_back({l.value("endpoint", ""), l.value("tier", ""), l.value("count", int64_t{0}),
                           l.value("p50_us", int64_t{0}), l.value("p95_us", int64_t{0}), l.value("p99_us", int64_t{0}),
                           l.value("max_us", int64_t{0})});
    for (const auto& b : j.value("timeline", Json::array()))
      r.timeline.push_back({b.value("hour", int64_t{0}), b.value("requests", int64_t{0}),
                            b.value("refused_limit", int64_t{0}), b.value("throttled", int64_t{0}),
                            b.value("failed", int64_t{0})});
    if (j.contains("load_wall_clock")) {
      const Json& l = j["load_wall_clock"];
      LoadSeries series;
      series.model = l.value("model", "");
      for (const auto& x : l.value("seconds", Json::array()))
        series.seconds.push_back({x.value("second", int64_t{0}), x.value("requests", int64_t{0}),
                                  x.value("errors", int64_t{0}), x.value("refused", int64_t{0}),
                                  x.value("chat_p50_us", int64_t{0}), x.value("chat_p99_us", int64_t{0})});
      for (const auto& k : l.value("knee", Json::array()))
        series.knee.push_back({k.value("asked_per_s", 0.0), k.value("achieved_per_s", 0.0),
                               k.value("chat_p99_us", int64_t{0}), k.value("held", false)});
      r.load = std::move(series);
    }
    if (j.contains("refusals"))
      for (const auto& [code, x] : j["refusals"].items())
        r.refusals[code] = {x.value("status", 0), x.value("count", int64_t{0}), x.value("first_at", ""),
                            x.value("reason", "")};
    for (const auto& t : j.at("tenants")) {
      TenantRow row;
      row.id = t.at("id");
      row.tier = t.value("tier", "");
      row.deployment = t.value("deployment", "");
      row.utc_offset_minutes = t.value("utc_offset_minutes", 0);
      row.time_zone = t.value("time_zone", "");
      row.users = t.value("users", 0);
      row.adversary = t.value("adversary", false);
      row.requests = t.value("requests", int64_t{0});
      row.chats_accepted = t.value("chats_accepted", int64_t{0});
      row.refused_limit = t.value("refused_limit", int64_t{0});
      row.throttled = t.value("throttled", int64_t{0});
      row.failed = t.value("failed", int64_t{0});
      row.quantities = t.value("quantities", std::map<std::string, int64_t>{});
      if (t.contains("cost_by_service"))
        for (const auto& [svc, m] : t["cost_by_service"].items()) row.cost_by_service[svc] = money(m);
      row.cost = money(t.at("cost"));
      if (t.contains("revenue")) row.revenue = money(t["revenue"]);
      if (const auto lines = t.find("revenue_lines"); lines != t.end())
        row.revenue_lines = {money(lines->at("subscription")), money(lines->at("seats")), money(lines->at("overage"))};
      for (const auto& m : t.value("messages_by_month", Json::array()))
        row.messages_by_month[{m.value("month", ""), m.value("tier", "")}] = m.value("messages", int64_t{0});
      for (const auto& c : t.value("tier_changes", Json::array()))
        row.tier_changes.emplace_back(c.value("at", ""), c.value("to", ""));
      r.tenants.push_back(std::move(row));
    }
    for (const auto& p : j.value("prices", Json::array()))
      r.prices.push_back({p.value("metric", ""), p.value("model", ""), money(p.at("per_unit"))});
    for (const auto& d : j.value("daily", Json::array()))
      r.daily.push_back({d.value("day", ""), money(d.at("revenue")), money(d.at("metered_cost")),
                         d.contains("fixed_cost") ? money(d["fixed_cost"]) : Money{},
                         d.contains("platform_cost") ? money(d["platform_cost"]) : Money{}});
    for (const auto& u : j.value("users", Json::array())) {
      UserRow row{u.value("tenant", ""), u.value("tier", ""), u.value("user", ""), {}, money(u.at("cost")),
                  u.contains("revenue") ? money(u["revenue"]) : Money{}};
      if (u.contains("cost_by_service"))
        for (const auto& [svc, m] : u["cost_by_service"].items()) row.cost_by_service[svc] = money(m);
      r.users.push_back(std::move(row));
    }
    for (const auto& c : j.value("consumption", Json::array()))
      r.consumption.push_back({c.value("tenant", ""), c.value("tier", ""), c.value("agent", ""), c.value("model", ""),
                               c.value("invocations", int64_t{0}), c.value("input_tokens", int64_t{0}),
                               c.value("output_tokens", int64_t{0}), money(c.at("cost"))});
    return r;
  } catch (const Json::exception& e) {
    return Error::make(ErrorKind::kBadRequest, "UnsupportedReport", std::string("report.json: ") + e.what());
  }
}

}  // namespace tenantsim
