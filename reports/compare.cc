// tenantsim compare: what changed between two runs, read from their report.json files: the
// verdict, each check's failures, requests, cost per tier (exact, with the change in percent) and
// chat latency per tier.
#include <fmt/format.h>

#include <set>

#include "reports/writers.h"

namespace tenantsim {

namespace {

using Json = nlohmann::json;

std::string percent(int64_t a, int64_t b) {
  if (a == 0) return b == 0 ? "" : " (new)";
  // Display only: the amounts themselves are printed exactly.
  return fmt::format(" ({:+.1f}%)", 100.0 * static_cast<double>(b - a) / static_cast<double>(a));
}

std::string usd_of(const Json& money) { return money.value("usd", "0"); }
int64_t pico_of(const Json& money) { return money.value("pico_usd", int64_t{0}); }

}  // namespace

Result<std::string> compare_reports(const Json& a, const Json& b) {
  for (const Json* r : {&a, &b})
    if (!r->is_object() || r->value("schema_version", 0) != kReportSchemaVersion)
      return Error::make(ErrorKind::kBadRequest, "UnsupportedReport",
                         fmt::format("not a report.json of schema version {}", kReportSchemaVersion));
  std::string out;
  const auto& sa = a["scenario"];
  const auto& sb = b["scenario"];
  out += fmt::format("A: {} seed {}   B: {} seed {}\n", sa.value("name", "?"), sa.value("seed", 0), sb.value("name", "?"),
                     sb.value("seed", 0));
  out += fmt::format("verdict: {} -> {}\n", a.value("verdict", "?"), b.value("verdict", "?"));
  const int64_t ra = a["requests"].value("total", int64_t{0}), rb = b["requests"].value("total", int64_t{0});
  out += fmt::format("requests: {} -> {}{}\n", ra, rb, percent(ra, rb));

  out += "checks:\n";
  std::map<std::string, const Json*> checks_a;
  for (const auto& c : a["checks"]) checks_a[c.value("name", "")] = &c;
  bool any = false;
  for (const auto& c : b["checks"]) {
    const std::string name = c.value("name", "");
    auto it = checks_a.find(name);
    const int64_t fb = c.value("failed", int64_t{0});
    const int64_t fa = it == checks_a.end() ? -1 : it->second->value("failed", int64_t{0});
    if (fa == fb) continue;
    any = true;
    out += it == checks_a.end() ? fmt::format("  {}: new, {} failed\n", name, fb)
                                : fmt::format("  {}: {} failed -> {} failed\n", name, fa, fb);
  }
  if (!any) out += "  no change in failures\n";

  out += "cost by tier:\n";
  std::set<std::string> tiers;
  for (const auto& [t, v] : a["tiers"].items()) tiers.insert(t);
  for (const auto& [t, v] : b["tiers"].items()) tiers.insert(t);
  for (const auto& t : tiers) {
    const Json none = {{"pico_usd", 0}, {"usd", "0"}};
    const Json& ca = a["tiers"].contains(t) ? a["tiers"][t]["cost"] : none;
    const Json& cb = b["tiers"].contains(t) ? b["tiers"][t]["cost"] : none;
    out += fmt::format("  {:<10} {} -> {} USD{}\n", t, usd_of(ca), usd_of(cb), percent(pico_of(ca), pico_of(cb)));
  }
  out += fmt::format("  {:<10} {} -> {} USD{}\n", "total", usd_of(a["costs"]["total"]), usd_of(b["costs"]["total"]),
                     percent(pico_of(a["costs"]["total"]), pico_of(b["costs"]["total"])));

  out += "chat latency p99 (virtual time):\n";
  std::map<std::string, int64_t> p99_a;
  for (const auto& l : a["latency_virtual"])
    if (l.value("endpoint", "") == "POST /api/chat") p99_a[l.value("tier", "")] = l.value("p99_us", int64_t{0});
  for (const auto& l : b["latency_virtual"]) {
    if (l.value("endpoint", "") != "POST /api/chat") continue;
    const std::string tier = l.value("tier", "");
    const int64_t pb = l.value("p99_us", int64_t{0});
    const int64_t pa = p99_a.count(tier) ? p99_a[tier] : 0;
    out += fmt::format("  {:<10} {} ms -> {} ms{}\n", tier, pa / 1000, pb / 1000, percent(pa, pb));
  }
  return out;
}

}  // namespace tenantsim
