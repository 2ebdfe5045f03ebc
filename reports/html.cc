// report.html: one self-contained page (inline CSS and SVG, no script, no network) with the
// verdict, the checks, and three charts: cost by tier, requests and refusals over time, and the
// distribution of cost per tenant. Floating point appears only in pixel positions.
#include <fmt/format.h>

#include <algorithm>

#include "reports/writers.h"

namespace tenantsim {

namespace {

std::string esc(const std::string& s) { return markup_escape(s); }

constexpr int kW = 640, kH = 220, kLeft = 70, kBottom = 30, kTop = 10;

// Vertical bars with a label under each and the value's text above it.
std::string bar_chart(const std::vector<std::pair<std::string, double>>& bars, const std::string& unit) {
  double top = 0;
  for (const auto& [label, v] : bars) top = std::max(top, v);
  if (top <= 0) top = 1;
  const double slot = static_cast<double>(kW - kLeft) / static_cast<double>(std::max<size_t>(1, bars.size()));
  std::string svg = fmt::format(R"(<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img">)", kW, kH, kW, kH);
  svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888"/>)", kLeft, kH - kBottom, kW, kH - kBottom);
  for (size_t i = 0; i < bars.size(); ++i) {
    const double h = (kH - kBottom - kTop - 14) * bars[i].second / top;
    const double x = kLeft + slot * static_cast<double>(i) + slot * 0.15;
    svg += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#4a7bd0"><title>{}: {} {}</title></rect>)",
                       x, kH - kBottom - h, slot * 0.7, h, esc(bars[i].first), bars[i].second, unit);
    if (bars.size() <= 24) {
      svg += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="11" text-anchor="middle">{}</text>)", x + slot * 0.35,
                         kH - kBottom + 14, esc(bars[i].first));
      svg += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="10" text-anchor="middle">{:.4g}</text>)",
                         x + slot * 0.35, kH - kBottom - h - 3, bars[i].second);
    }
  }
  svg += fmt::format(R"(<text x="4" y="{}" font-size="11">{}</text>)", kTop + 10, esc(unit));
  return svg + "</svg>";
}

// Lines over equally spaced points, one colour per series, with a legend.
std::string line_chart(const std::vector<std::pair<std::string, std::vector<int64_t>>>& series, const std::string& x_unit) {
  int64_t top = 1;
  size_t n = 1;
  for (const auto& [name, v] : series) {
    for (int64_t x : v) top = std::max(top, x);
    n = std::max(n, v.size());
  }
  static const char* colours[] = {"#4a7bd0", "#d0584a", "#4ab07b", "#b08a4a"};
  std::string svg = fmt::format(R"(<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img">)", kW, kH, kW, kH);
  svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888"/>)", kLeft, kH - kBottom, kW, kH - kBottom);
  svg += fmt::format(R"(<text x="4" y="{}" font-size="11">{}</text>)", kTop + 10, top);
  svg += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">{} {}</text>)", kW - 4, kH - 6, n, esc(x_unit));
  for (size_t s = 0; s < series.size(); ++s) {
    std::string points;
    const auto& v = series[s].second;
    for (size_t i = 0; i < v.size(); ++i) {
      const double x = kLeft + (kW - kLeft) * static_cast<double>(i) / static_cast<double>(std::max<size_t>(1, n - 1));
      const double y = kH - kBottom - (kH - kBottom - kTop) * static_cast<double>(v[i]) / static_cast<double>(top);
      points += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    svg += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>)", colours[s % 4], points);
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="11" fill="{}">{}</text>)", kLeft + 10 + 120 * static_cast<int>(s),
                       kTop + 10, colours[s % 4], esc(series[s].first));
  }
  return svg + "</svg>";
}

double usd(Money m) { return static_cast<double>(m.pico) / static_cast<double>(Money::kPicoPerDollar); }

}  // namespace

std::string render_html(const RunResult& r) {
  std::string h = R"(<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tenantsim report</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.pass{color:#1a7f37}.fail{color:#c62828;font-weight:bold}
.warn{color:#b26a00;font-weight:bold}.not_exercised{color:#666;font-style:italic}
code{background:#f3f3f3;padding:0 3px}</style></head><body>)";
  h += fmt::format("<h1>{} — <span class=\"{}\">{}</span></h1>", esc(r.scenario), r.passed() ? "pass" : "fail",
                   r.passed() ? "PASS" : "FAIL");
  h += fmt::format("<p>{}</p><p>Seed {}, {} h from {}, {} tenants, {} requests, prices <code>{}</code>.", esc(r.description),
                   r.seed, r.duration_hours, esc(r.start), r.tenants.size(), r.requests, esc(r.price_catalog));
  if (!r.defects.empty()) {
    h += " <b>Defects injected:</b>";
    for (const auto& d : r.defects) h += " <code>" + esc(d) + "</code>";
  }
  h += "</p><h2>Checks</h2><table><tr><th>check</th><th>result</th><th>failed / checked</th><th>examples</th></tr>";
  for (const auto& c : r.checks) {
    std::string ex;
    for (const auto& e : c.examples) ex += esc(e) + "<br>";
    h += fmt::format("<tr><td><code>{}</code><br><small>{}</small></td><td class=\"{}\">{}</td><td>{} / {}</td><td><small>{}</small></td></tr>",
                     esc(c.name), esc(c.description), to_string(c.status()), esc(c.label()), c.failed, c.checked, ex);
  }
  h += "</table>";

  std::map<std::string, Money> tier_cost;
  std::vector<Money> tenant_costs;
  for (const auto& t : r.tenants) {
    tier_cost[t.tier] += t.cost;
    tenant_costs.push_back(t.cost);
  }
  std::vector<std::pair<std::string, double>> tiers;
  for (const auto& [tier, m] : tier_cost) tiers.emplace_back(tier, usd(m));
  h += "<h2>Cost by tier</h2>" + bar_chart(tiers, "USD");

  std::vector<int64_t> requests, refused;
  for (const auto& b : r.timeline) {
    requests.push_back(b.requests);
    refused.push_back(b.refused);
  }
  h += "<h2>Requests and refusals per hour</h2>" + line_chart({{"requests", requests}, {"refused (4xx/429)", refused}}, "hours");

  // Per-tenant cost: tenants sorted by cost in ten equal groups, each group's mean.
  std::sort(tenant_costs.begin(), tenant_costs.end());
  std::vector<std::pair<std::string, double>> deciles;
  for (size_t d = 0; d < 10 && !tenant_costs.empty(); ++d) {
    const size_t lo = tenant_costs.size() * d / 10, hi = std::max(lo + 1, tenant_costs.size() * (d + 1) / 10);
    double sum = 0;
    for (size_t i = lo; i < hi && i < tenant_costs.size(); ++i) sum += usd(tenant_costs[i]);
    deciles.emplace_back(fmt::format("{}0%", d + 1), sum / static_cast<double>(hi - lo));
  }
  h += "<h2>Cost per tenant (mean per decile, cheapest first)</h2>" + bar_chart(deciles, "USD per tenant");

  h += "<h2>Cost by tier</h2><table><tr><th>tier</th><th>tenants</th><th>cost USD</th></tr>";
  for (const auto& [tier, m] : tier_cost) {
    int64_t n = 0;
    for (const auto& t : r.tenants) n += t.tier == tier;
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(tier), n, m.to_usd_string());
  }
  return h + "</table></body></html>\n";
}

}  // namespace tenantsim
