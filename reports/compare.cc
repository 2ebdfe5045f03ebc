// tenantsim compare: what changed between two runs, read from their report.json files: the
// verdict, each check's failures, requests, cost per tier (exact, with the change in percent),
// revenue and margin per tier, and chat latency per tier.
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

Result<Comparison> compare_reports(const Json& a, const Json& b, const CompareTolerance& tolerance) {
  for (const Json* r : {&a, &b})
    if (!r->is_object() || r->value("schema_version", 0) != kReportSchemaVersion)
      return Error::make(ErrorKind::kBadRequest, "UnsupportedReport",
                         fmt::format("not a report.json of schema version {}", kReportSchemaVersion));
  Comparison cmp;
  std::string& out = cmp.text;
  const auto regress = [&](std::string why) { cmp.regressions.push_back(std::move(why)); };
  const auto& sa = a["scenario"];
  const auto& sb = b["scenario"];
  out += fmt::format("A: {} seed {}   B: {} seed {}\n", sa.value("name", "?"), sa.value("seed", 0), sb.value("name", "?"),
                     sb.value("seed", 0));
  // Different scenarios or seeds are different experiments: the diff is still shown, with a warning.
  if (sa.value("name", "") != sb.value("name", ""))
    cmp.warnings.push_back(fmt::format("A and B ran different scenarios ({} and {})", sa.value("name", "?"), sb.value("name", "?")));
  else if (sa.value("seed", uint64_t{0}) != sb.value("seed", uint64_t{0}))
    cmp.warnings.push_back(fmt::format("A and B ran different seeds ({} and {})", sa.value("seed", 0), sb.value("seed", 0)));
  // A what-if edit (--set) on one side is the point of many comparisons: say what it was.
  for (const auto& [label, s] : {std::pair<const char*, const Json*>{"A", &sa}, {"B", &sb}}) {
    const auto overrides = s->value("overrides", std::vector<std::string>{});
    std::string edits;
    for (const auto& o : overrides) edits += (edits.empty() ? "" : ", ") + o;
    if (!edits.empty()) out += fmt::format("{} ran with --set {}\n", label, edits);
  }
  for (const auto& [label, r] : {std::pair<const char*, const Json*>{"A", &a}, {"B", &b}}) {
    const auto defects = r->value("defects_injected", std::vector<std::string>{});
    if (defects.empty()) continue;
    std::string names;
    for (const auto& d : defects) names += (names.empty() ? "" : ", ") + d;
    cmp.warnings.push_back(fmt::format("{} ran with defects injected: {}", label, names));
  }
  out += fmt::format("verdict: {} -> {}\n", a.value("verdict", "?"), b.value("verdict", "?"));
  if (a.value("verdict", "") == "pass" && b.value("verdict", "") != "pass") regress("the verdict went from pass to fail");
  const int64_t ra = a["requests"].value("total", int64_t{0}), rb = b["requests"].value("total", int64_t{0});
  out += fmt::format("requests: {} -> {}{}\n", ra, rb, percent(ra, rb));

  out += "checks:\n";
  std::map<std::string, const Json*> checks_a;
  for (const auto& c : a["checks"]) checks_a[c.value("name", "")] = &c;
  bool any = false;
  for (const auto& c : b["checks"]) {
    const std::string name = c.value("name", "");
    auto it = checks_a.find(name);
    const std::string status_b = c.value("status", "?");
    const std::string status_a = it == checks_a.end() ? "absent" : it->second->value("status", "?");
    const int64_t fb = c.value("failed", int64_t{0});
    const int64_t fa = it == checks_a.end() ? -1 : it->second->value("failed", int64_t{0});
    if (fa == fb && status_a == status_b) continue;
    any = true;
    out += it == checks_a.end() ? fmt::format("  {}: new, {} ({} failed)\n", name, status_b, fb)
                                : fmt::format("  {}: {} ({} failed) -> {} ({} failed)\n", name, status_a, fa, status_b, fb);
    if (c.value("fails_run", false) && !(it != checks_a.end() && it->second->value("fails_run", false)))
      regress(fmt::format("check {} newly fails the run ({})", name, status_b));
  }
  if (!any) out += "  no change\n";

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
  const int64_t ta = pico_of(a["costs"]["total"]), tb = pico_of(b["costs"]["total"]);
  out += fmt::format("  {:<10} {} -> {} USD{}\n", "total", usd_of(a["costs"]["total"]), usd_of(b["costs"]["total"]),
                     percent(ta, tb));
  // Integer comparison: B exceeds A by more than the tolerance when (B - A) * 100 > A * percent.
  // In 128 bits (money.h): pico-dollar products overflow 64 past about $92,000.
  if (ta > 0 && (static_cast<Int128>(tb) - ta) * 100 > static_cast<Int128>(ta) * tolerance.cost_percent)
    regress(fmt::format("total cost rose by more than {}%", tolerance.cost_percent));

  // What a pricing what-if changes: money in and the margin, per tier (reports without economics
  // count as zero).
  out += "revenue and margin by tier:\n";
  for (const auto& t : tiers) {
    const Json none = {{"pico_usd", 0}, {"usd", "0"}};
    auto econ = [&](const Json& r, const char* field) -> const Json& {
      return r["tiers"].contains(t) && r["tiers"][t].contains("economics") ? r["tiers"][t]["economics"][field] : none;
    };
    out += fmt::format("  {:<10} revenue {} -> {} USD{}, margin {} -> {} USD\n", t, usd_of(econ(a, "revenue")),
                       usd_of(econ(b, "revenue")), percent(pico_of(econ(a, "revenue")), pico_of(econ(b, "revenue"))),
                       usd_of(econ(a, "margin")), usd_of(econ(b, "margin")));
  }

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
    if (pa > 0 && (pb - pa) * 100 > pa * tolerance.p99_percent)
      regress(fmt::format("chat p99 of tier {} rose by more than {}%", tier, tolerance.p99_percent));
  }
  for (const auto& w : cmp.warnings) out += "warning: " + w + "\n";
  for (const auto& r : cmp.regressions) out += "REGRESSION: " + r + "\n";
  if (cmp.regressions.empty()) out += "no regression\n";
  return cmp;
}

}  // namespace tenantsim
