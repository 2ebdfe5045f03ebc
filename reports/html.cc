// report.html: one self-contained page (inline CSS and SVG, no script, no network, no external
// fonts) with the verdict, the checks, five charts and the cost-by-tier table:
//   requests and refusals over time, latency by endpoint and tier, refusals by reason,
//   cost by tier and service, and the distribution of cost per tenant in each tier.
//
// Why hand-drawn SVG and not a charting library: the report is an offline artifact that gets
// attached to CI runs and mailed around, so it carries no script at all: nothing to break in a
// browser update, nothing for a reviewer to audit, no vendored JavaScript to keep patched. A
// stored run re-renders byte for byte (`tenantsim report DIR --format html`), which a library
// that lays out at view time or stamps ids cannot promise. And the charts needed are simple: lines,
// bars, stacks and a box-like marker on linear (for latency, maybe logarithmic) axes, which the
// small helpers below draw: nice ticks, axes with titles and units, grid lines, a legend beside
// the plot, a fixed palette.
//
// Determinism: every number printed goes through fmt with a fixed precision (no locale), money is
// summed as integer pico-dollars and turned into double only for pixel positions (and a share in a
// tooltip), all iteration is over ordered containers, and nothing depends on the clock or on
// addresses. Every chart copes with no data: it draws its empty axes and says "no data" rather
// than divide by zero.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reports/economics.h"
#include "reports/writers.h"

namespace tenantsim {

namespace {

std::string esc(const std::string& s) { return markup_escape(s); }

// ---- numbers as text ---------------------------------------------------------------------------

// A pixel coordinate: one decimal, never "nan", "inf" or "-0.0".
std::string px(double v) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt::format("{:.1f}", v);
  return s == "-0.0" ? "0.0" : s;
}

uint64_t magnitude(int64_t v) { return v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v); }

// 1234567 -> "1,234,567" (grouped by hand, never by locale).
std::string grouped(uint64_t v) {
  const std::string digits = fmt::format("{}", v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
std::string grouped(int64_t v) { return (v < 0 ? "-" : "") + grouped(magnitude(v)); }

uint64_t pow10u(int n) {
  uint64_t p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// Money as "$1,234.57", "$0.0123", "$0.000456": precision by size, rounded half away from zero in
// integer arithmetic (exact, no floating point).
std::string usd_text(Money m) {
  const uint64_t u = magnitude(m.pico);
  if (u == 0) return "$0";
  const uint64_t dollar = static_cast<uint64_t>(Money::kPicoPerDollar);
  const int decimals = u >= dollar ? 2 : u >= dollar / 100 ? 4 : u >= dollar / 1'000'000 ? 6 : 9;
  const uint64_t unit = pow10u(12 - decimals), scale = pow10u(decimals);
  const uint64_t q = u / unit + (u % unit >= unit / 2 ? 1 : 0);
  return fmt::format("{}${}.{:0{}}", m.pico < 0 ? "-" : "", grouped(q / scale), q % scale, decimals);
}

// A share as "12.3%" (a label: double is fine here), "-" when the whole is not positive.
std::string percent(Money part, Money whole) {
  if (whole.pico <= 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part.pico) / static_cast<double>(whole.pico));
}

double usd(Money m) { return static_cast<double>(m.pico) / static_cast<double>(Money::kPicoPerDollar); }

// Microseconds as milliseconds: "19.8" from 10 ms up, "3.27" below (integer rounding).
std::string ms_text(int64_t us) {
  const uint64_t u = magnitude(std::max<int64_t>(us, 0));
  if (u >= 10'000) {
    const uint64_t tenths = (u + 50) / 100;
    return fmt::format("{}.{}", grouped(tenths / 10), tenths % 10);
  }
  const uint64_t hundredths = (u + 5) / 10;
  return fmt::format("{}.{:02}", hundredths / 100, hundredths % 100);
}
double ms(int64_t us) { return static_cast<double>(us) / 1000.0; }

// ---- time ------------------------------------------------------------------------------------

using std::chrono::sys_seconds;

// "2024-01-31T00:00:00.000000Z" (fraction optional); nullopt for anything else.
std::optional<sys_seconds> parse_utc(const std::string& s) {
  auto digits = [&](size_t pos, size_t len, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 20 || !digits(0, 4, y) || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d) ||
      s[10] != 'T' || !digits(11, 2, h) || s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se))
    return std::nullopt;
  size_t i = 19;
  if (s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9';) ++i;
  if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return std::nullopt;
  return sys_seconds{std::chrono::sys_days{ymd}} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{se};
}

struct Civil {
  int year;
  unsigned month, day;
  int64_t hour, minute;
};
Civil civil(sys_seconds t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const int64_t sec = (t - sys_seconds{day}).count();
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
          sec / 3600, sec % 3600 / 60};
}
std::string month_day_time(sys_seconds t) {
  const Civil c = civil(t);
  return fmt::format("{:02}-{:02} {:02}:{:02}", c.month, c.day, c.hour, c.minute);
}
std::string month_day(sys_seconds t) {
  const Civil c = civil(t);
  return fmt::format("{:02}-{:02}", c.month, c.day);
}
std::string year_month(std::chrono::year_month ym) {
  return fmt::format("{:04}-{:02}", static_cast<int>(ym.year()), static_cast<unsigned>(ym.month()));
}
std::string date_time(sys_seconds t) {
  const Civil c = civil(t);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute);
}

int64_t ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0 && a > 0 ? 1 : 0); }  // b > 0

// ---- chart helpers -----------------------------------------------------------------------------

// A fixed palette (Okabe-Ito, colour-blind safe). Series keep one colour by meaning across charts.
constexpr const char* kRequestsColour = "#0072b2";
constexpr const char* kLimitColour = "#e69f00";
constexpr const char* kThrottledColour = "#cc79a7";
constexpr const char* kFailedColour = "#d55e00";
constexpr const char* kOtherColour = "#999999";
constexpr const char* kMarkColour = "#222222";
constexpr std::array<const char*, 7> kTierPalette = {"#56b4e9", "#009e73", "#cc79a7", "#e69f00",
                                                     "#0072b2", "#d55e00", "#7f7f7f"};
// The services costs are billed under: the system's metering (model, weather, tools, knowledge
// base, the AgentCore runtime and gateway), the platform's
// tables and sign-ins (priced from the fakes' ledgers), the silo tenants' fixed monthly resources,
// and anything else.
constexpr std::array<const char*, 10> kServices = {
    "bedrock_agent", "weather_api", "mcp_runtime", "knowledge_base", "agentcore_runtime", "agentcore_gateway",
    "dynamodb",      "cognito",     "silo_fixed",  "others"};
constexpr std::array<const char*, 10> kServiceColours = {"#0072b2", "#e69f00", "#009e73", "#f0e442", "#882255",
                                                         "#44aa99", "#56b4e9", "#cc79a7", "#000000", "#999999"};
constexpr size_t kOtherService = kServices.size() - 1;

constexpr double kSvgW = 900;     // every chart is this wide
constexpr double kLegendW = 200;  // the legend column right of the plot area
constexpr double kRowH = 18;      // one legend row

struct Tick {
  double value;
  std::string label;
};

struct Axis {
  double lo = 0, hi = 1;
  std::vector<Tick> ticks;
  std::string title;  // with units
  bool grid = true;
  bool log = false;  // logarithmic (then 0 < lo < hi)
};

// A fraction of the axis span, clamped to [0, 1]; 0 when the axis is degenerate.
double frac(const Axis& a, double v) {
  if (a.log) {
    if (!(a.lo > 0) || !(a.hi > a.lo) || !(v > a.lo) || !std::isfinite(v)) return 0;
    return std::clamp((std::log10(v) - std::log10(a.lo)) / (std::log10(a.hi) - std::log10(a.lo)), 0.0, 1.0);
  }
  const double span = a.hi - a.lo;
  if (!(span > 0) || !std::isfinite(v)) return 0;
  return std::clamp((v - a.lo) / span, 0.0, 1.0);
}

std::string tick_label(double v, int decimals) {
  return decimals <= 0 ? grouped(static_cast<int64_t>(std::llround(v))) : fmt::format("{:.{}f}", v, decimals);
}

// Ticks at k × (1, 2 or 5 × 10^e) from 0 to the first tick at or above `top`, about `target` of
// them. `integer`: steps of at least 1 (counts). No data (top <= 0): a unit axis.
Axis nice_axis(double top, std::string title, bool integer, int target = 5) {
  if (!(top > 0) || !std::isfinite(top)) top = integer ? static_cast<double>(target) : 1.0;
  const double raw = top / target;
  int e = static_cast<int>(std::floor(std::log10(raw)));
  while (raw / std::pow(10.0, e) >= 10) ++e;
  while (raw / std::pow(10.0, e) < 1) --e;
  const double n = raw / std::pow(10.0, e);
  int m = n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10;
  if (m == 10) m = 1, ++e;
  if (integer && e < 0) m = 1, e = 0;
  const double step = m * std::pow(10.0, e);
  const int64_t count = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(top / step - 1e-9)));
  const int decimals = std::max(0, -e);
  Axis a;
  a.hi = static_cast<double>(count) * step;
  a.title = std::move(title);
  for (int64_t k = 0; k <= count; ++k) {
    const double v = static_cast<double>(k) * step;
    a.ticks.push_back({v, tick_label(v, decimals)});
  }
  return a;
}

// A logarithmic axis from the power of ten at or below `bottom` (> 0) to the first 1, 2 or 5 × 10^e
// at or above `top`, with ticks at 1, 2 and 5 × 10^e (only the powers of ten past four decades).
Axis log_axis(double bottom, double top, std::string title) {
  Axis a;
  a.log = true;
  a.title = std::move(title);
  const int e0 = static_cast<int>(std::floor(std::log10(bottom)));
  int e1 = static_cast<int>(std::floor(std::log10(top)));
  while (std::pow(10.0, e1) > top) --e1;
  while (std::pow(10.0, e1 + 1) <= top) ++e1;
  a.lo = std::pow(10.0, e0);
  const double n = top / std::pow(10.0, e1);
  a.hi = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * std::pow(10.0, e1);
  const bool minor = e1 - e0 < 4;
  for (int e = e0; e <= e1 + 1; ++e)
    for (const int m : {1, 2, 5}) {
      const double v = m * std::pow(10.0, e);
      if (v > a.hi * (1 + 1e-9) || (m != 1 && !minor)) continue;
      a.ticks.push_back({v, tick_label(v, std::max(0, -e))});
    }
  return a;
}

// An axis of categories laid out in pixels from the top: one tick label per category centre.
Axis category_axis(double height, std::vector<Tick> centres) {
  Axis a;
  a.hi = height;
  a.ticks = std::move(centres);
  a.grid = false;
  return a;
}

struct Plot {
  double x = 0, y = 0, w = 0, h = 0;  // the plot area, in SVG pixels
  Axis xa, ya;
  bool y_down = false;  // y runs top to bottom (categories); otherwise bottom to top (values)

  double X(double v) const { return x + w * frac(xa, v); }
  double Y(double v) const { return y_down ? y + h * frac(ya, v) : y + h - h * frac(ya, v); }
  double right() const { return x + w; }
  double bottom() const { return y + h; }
};

Plot make_plot(double left, double top, double height) {
  Plot p;
  p.x = left;
  p.y = top;
  p.w = kSvgW - left - kLegendW;
  p.h = height;
  return p;
}

// Left margin for category labels of up to `chars` characters (about 6.6 px each at 11 px).
double label_margin(size_t chars, double min = 90) {
  return std::clamp(24 + 6.6 * static_cast<double>(chars), min, 330.0);
}
std::string clip(const std::string& s, size_t n = 44) { return s.size() <= n ? s : s.substr(0, n - 1) + "…"; }

std::string line(double x1, double y1, double x2, double y2, const std::string& stroke, const std::string& extra = "") {
  return fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"{}/>)", px(x1), px(y1), px(x2), px(y2),
                     stroke, extra);
}
std::string text(double x, double y, const std::string& s, const char* anchor = "start", const std::string& extra = "") {
  return fmt::format(R"(<text x="{}" y="{}" text-anchor="{}"{}>{}</text>)", px(x), px(y), anchor, extra, esc(s));
}
std::string rect(double x, double y, double w, double h, const std::string& fill, const std::string& tooltip = "",
                 const std::string& extra = "") {
  const std::string shape = fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{})", px(x), px(y),
                                        px(std::max(w, 0.0)), px(std::max(h, 0.0)), fill, extra);
  return tooltip.empty() ? shape + "/>" : shape + "><title>" + esc(tooltip) + "</title></rect>";
}

std::string svg_open(double height, const std::string& aria) {
  return fmt::format(R"(<svg viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" aria-label="{2}" )"
                     R"(font-family="system-ui,sans-serif" font-size="11">)",
                     px(kSvgW), px(height), esc(aria));
}

// Height of an SVG holding plot `p` (with x tick labels and title under it) and `legend_rows`.
double svg_height(const Plot& p, size_t legend_rows) {
  return std::max(p.bottom() + 46, p.y + kRowH * static_cast<double>(legend_rows) + 8);
}

// Both axes: light grid lines, tick marks, tick labels and the axis titles (which carry the units).
std::string draw_axes(const Plot& p) {
  std::string s = "<g>";
  for (const auto& t : p.xa.ticks) {
    const double x = p.X(t.value);
    if (p.xa.grid) s += line(x, p.y, x, p.bottom(), "#e6e6e6");
    s += line(x, p.bottom(), x, p.bottom() + 4, "#888");
    if (!t.label.empty()) s += text(x, p.bottom() + 16, t.label, "middle");
  }
  for (const auto& t : p.ya.ticks) {
    const double y = p.Y(t.value);
    if (p.ya.grid) s += line(p.x, y, p.right(), y, "#e6e6e6");
    s += line(p.x - 4, y, p.x, y, "#888");
    s += text(p.x - 7, y + 4, t.label, "end");
  }
  s += line(p.x, p.bottom(), p.right(), p.bottom(), "#888");
  s += line(p.x, p.y, p.x, p.bottom(), "#888");
  if (!p.xa.title.empty()) s += text(p.x + p.w / 2, p.bottom() + 36, p.xa.title, "middle", R"( fill="#333")");
  if (!p.ya.title.empty())
    s += fmt::format(R"svg(<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" fill="#333">{}</text>)svg",
                     px(p.y + p.h / 2), esc(p.ya.title));
  return s + "</g>";
}

std::string no_data(const Plot& p, const std::string& what = "no data") {
  return text(p.x + p.w / 2, p.y + p.h / 2 + 4, what, "middle", R"( fill="#666" font-style="italic" font-size="13")");
}

enum class Swatch { kLine, kDashed, kBox, kHollowBox, kTick, kRange };
struct Key {
  std::string colour;
  std::string label;
  Swatch swatch = Swatch::kBox;
};

// The legend, in its own column right of the plot area: never over the data.
std::string legend(const Plot& p, const std::vector<Key>& keys) {
  const double x = p.right() + 24;
  double y = p.y;
  std::string s = "<g>";
  for (const auto& k : keys) {
    switch (k.swatch) {
      case Swatch::kLine: s += line(x, y + 6, x + 18, y + 6, k.colour, R"( stroke-width="2")"); break;
      case Swatch::kDashed: s += line(x, y + 6, x + 18, y + 6, k.colour, R"( stroke-dasharray="4 3")"); break;
      case Swatch::kBox: s += rect(x, y, 18, 12, k.colour); break;
      case Swatch::kHollowBox:
        s += rect(x, y, 18, 12, k.colour, "", fmt::format(R"( fill-opacity="0.3" stroke="{}")", k.colour));
        break;
      case Swatch::kTick: s += line(x + 9, y - 1, x + 9, y + 13, k.colour, R"( stroke-width="2.5")"); break;
      case Swatch::kRange:
        s += line(x, y + 6, x + 18, y + 6, k.colour) + line(x, y + 2, x, y + 10, k.colour) +
             line(x + 18, y + 2, x + 18, y + 10, k.colour);
        break;
    }
    s += text(x + 24, y + 10, k.label);
    y += kRowH;
  }
  return s + "</g>";
}

std::vector<std::string> tier_order(const RunResult& r) {
  std::set<std::string> seen;
  for (const auto& t : r.tenants) seen.insert(t.tier);
  for (const auto& l : r.latency) seen.insert(l.tier);
  std::vector<std::string> v(seen.begin(), seen.end());
  std::sort(v.begin(), v.end(), tier_less);
  return v;
}

const char* tier_colour(const std::vector<std::string>& tiers, const std::string& tier) {
  const auto it = std::find(tiers.begin(), tiers.end(), tier);
  return kTierPalette[static_cast<size_t>(it - tiers.begin()) % kTierPalette.size()];
}

// ---- a. requests and refusals over time ------------------------------------------------------

// Hours since start as UTC dates and times: ticks on round UTC hours (1, 2, 3, 6 or 12), midnights,
// Mondays or first days of months, whichever gives at most one label per ~85 px.
Axis time_axis(const std::optional<sys_seconds>& start, int64_t span_hours, double width) {
  const int64_t max_ticks = std::max<int64_t>(2, static_cast<int64_t>(width / 85));
  if (!start) {
    Axis a = nice_axis(static_cast<double>(span_hours), "hours since start", true, static_cast<int>(max_ticks));
    a.hi = static_cast<double>(span_hours);
    std::erase_if(a.ticks, [&](const Tick& t) { return t.value > a.hi; });
    return a;
  }
  Axis a;
  a.hi = static_cast<double>(span_hours);
  const int64_t s0 = start->time_since_epoch().count(), s1 = s0 + span_hours * 3600;
  for (const int64_t step : {1, 2, 3, 6, 12, 24, 48, 168, 336}) {
    if (span_hours / step > max_ticks) continue;
    const int64_t period = step * 3600, offset = step >= 168 ? 4 * 86400 : 0;  // 1970-01-05 was a Monday
    for (int64_t t = offset + ceil_div(s0 - offset, period) * period; t <= s1; t += period) {
      const sys_seconds at{std::chrono::seconds{t}};
      a.ticks.push_back({static_cast<double>(t - s0) / 3600.0, step < 24 ? month_day_time(at) : month_day(at)});
    }
    a.title = fmt::format("UTC {} (MM-DD{}), run starts {}", step < 24 ? "date and time" : "date",
                          step < 24 ? " hh:mm" : "", date_time(*start));
    return a;
  }
  int every = 12;
  for (const int m : {1, 2, 3, 6, 12})
    if (span_hours / (730 * m) <= max_ticks) {
      every = m;
      break;
    }
  const std::chrono::year_month_day first{std::chrono::floor<std::chrono::days>(*start)};
  for (auto ym = first.year() / first.month() + std::chrono::months{1};; ym += std::chrono::months{1}) {
    const sys_seconds at{std::chrono::sys_days{ym / 1}};
    if (at > sys_seconds{std::chrono::seconds{s1}}) break;
    if ((static_cast<int>(ym.year()) * 12 + static_cast<int>(static_cast<unsigned>(ym.month())) - 1) % every == 0)
      a.ticks.push_back({static_cast<double>((at - *start).count()) / 3600.0, year_month(ym)});
  }
  a.title = fmt::format("UTC month (YYYY-MM), run starts {}", date_time(*start));
  return a;
}

// Two panels over one time axis: requests on top, and below them on their own scale (they are
// often a hundredth of the requests) the tier-limit refusals, throttled and failed requests.
std::string timeline_chart(const RunResult& r, std::string& note) {
  constexpr int64_t kMaxHours = 24 * 366 * 4;  // past this the data is not a run's; ignore it
  int64_t hours = std::clamp<int64_t>(r.duration_hours, 0, kMaxHours);
  for (const auto& b : r.timeline)
    if (b.hour >= 0 && b.hour < kMaxHours) hours = std::max(hours, b.hour + 1);
  const int64_t step = hours <= 72 ? 1 : hours <= 14 * 24 ? 6 : 24;
  const int64_t groups = ceil_div(hours, step);
  std::vector<std::array<int64_t, 4>> sums(static_cast<size_t>(groups), std::array<int64_t, 4>{0, 0, 0, 0});
  for (const auto& b : r.timeline) {
    if (b.hour < 0 || b.hour >= hours) continue;
    auto& g = sums[static_cast<size_t>(b.hour / step)];
    g[0] += b.requests;
    g[1] += b.refused_limit;
    g[2] += b.throttled;
    g[3] += b.failed;
  }
  int64_t top_requests = 0, top_refused = 0;
  for (const auto& g : sums) {
    top_requests = std::max(top_requests, g[0]);
    top_refused = std::max({top_refused, g[1], g[2], g[3]});
  }

  const std::string per = step == 1 ? "hour" : step == 24 ? "day" : fmt::format("{} hours", step);
  const auto start = parse_utc(r.start);
  Plot upper = make_plot(84, 26, 170);
  upper.xa = time_axis(start, std::max<int64_t>(hours, 1), upper.w);
  upper.ya = nice_axis(static_cast<double>(top_requests), "requests per " + per, true);
  Plot lower = make_plot(84, upper.bottom() + 18, 150);
  lower.xa = upper.xa;
  lower.ya = nice_axis(static_cast<double>(top_refused), "refused or failed per " + per, true);
  upper.xa.title.clear();  // the time labels and title go under the lower panel only
  for (auto& t : upper.xa.ticks) t.label.clear();

  std::string s = draw_axes(upper) + draw_axes(lower);
  static constexpr std::array<const char*, 4> kColours = {kRequestsColour, kLimitColour, kThrottledColour, kFailedColour};
  static constexpr std::array<const char*, 4> kNames = {"requests", "refused: tier limit", "throttled (429)",
                                                        "failed (5xx)"};
  std::vector<Key> upper_keys = {{kColours[0], kNames[0], Swatch::kLine}}, lower_keys;
  for (size_t k = 1; k < 4; ++k) lower_keys.push_back({kColours[k], kNames[k], Swatch::kLine});
  // A dashed marker at every UTC month boundary inside the run: monthly limits reset there.
  if (start) {
    const sys_seconds end = *start + std::chrono::hours{hours};
    const std::chrono::year_month_day first{std::chrono::floor<std::chrono::days>(*start)};
    double last_label = -1e9;
    for (auto ym = first.year() / first.month() + std::chrono::months{1};; ym += std::chrono::months{1}) {
      const sys_seconds at{std::chrono::sys_days{ym / 1}};
      if (at >= end) break;
      const double x = upper.X(static_cast<double>((at - *start).count()) / 3600.0);
      s += line(x, upper.y - 4, x, lower.bottom(), "#555", R"( stroke-dasharray="4 3")");
      if (x - last_label >= 48) {
        s += text(x, upper.y - 8, year_month(ym), "middle", R"( font-size="10" fill="#555")");
        last_label = x;
      }
      if (upper_keys.size() == 1) upper_keys.push_back({"#555", "UTC month boundary", Swatch::kDashed});
    }
  }
  if (r.timeline.empty()) {
    s += no_data(upper) + no_data(lower);
  } else {
    for (size_t k = 0; k < 4; ++k) {
      const Plot& p = k == 0 ? upper : lower;
      std::string points;
      for (int64_t g = 0; g < groups; ++g) {
        const double mid = static_cast<double>(g * step + std::min((g + 1) * step, hours)) / 2.0;
        points += fmt::format("{},{} ", px(p.X(mid)), px(p.Y(static_cast<double>(sums[static_cast<size_t>(g)][k]))));
      }
      if (!points.empty()) points.pop_back();
      s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.8" stroke-linejoin="round" points="{}"><title>{} per {}</title></polyline>)",
                       kColours[k], points, kNames[k], per);
      if (groups == 1)
        s += fmt::format(R"(<circle cx="{}" cy="{}" r="3" fill="{}"/>)", px(p.X(static_cast<double>(hours) / 2.0)),
                         px(p.Y(static_cast<double>(sums[0][k]))), kColours[k]);
    }
  }
  s += legend(upper, upper_keys) + legend(lower, lower_keys);
  note = fmt::format("Counts summed per {} (hourly up to 72 h, 6-hourly up to 14 days, daily beyond); refusals and "
                     "failures have their own scale in the lower panel. Dashed lines mark UTC month boundaries, where "
                     "monthly limits reset.",
                     per);
  if (hours > r.duration_hours && r.duration_hours > 0)
    note += fmt::format(" The run lasts {} h; the last {} h holds requests sent after its end.", r.duration_hours,
                        hours - r.duration_hours);
  if (groups > 1 && hours % step != 0) note += fmt::format(" The last point covers only {} h.", hours % step);
  return svg_open(svg_height(lower, 0),
                  fmt::format("Line charts over time: requests per {}, and below them tier-limit refusals, throttled and "
                              "failed requests per {}",
                              per, per)) +
         s + "</svg>";
}

// ---- b. latency by endpoint and tier ----------------------------------------------------------

std::string latency_chart(const RunResult& r, const std::vector<std::string>& tiers) {
  const char* clock = r.load ? "wall clock" : "virtual time";
  std::map<std::string, std::vector<const LatencyRow*>> by_endpoint;
  for (const auto& l : r.latency)
    if (l.endpoint.rfind("attack ", 0) != 0 && l.count > 0) by_endpoint[l.endpoint].push_back(&l);
  int64_t top_us = 0, bottom_us = 0;  // largest p99 (or p50), smallest positive p50
  size_t chars = 0;
  std::set<std::string> present;
  for (auto& [endpoint, rows] : by_endpoint) {
    std::sort(rows.begin(), rows.end(), [](const LatencyRow* a, const LatencyRow* b) { return tier_less(a->tier, b->tier); });
    chars = std::max(chars, clip(endpoint).size());
    for (const auto* l : rows) {
      top_us = std::max({top_us, l->p99_us, l->p50_us});
      if (l->p50_us > 0 && (bottom_us == 0 || l->p50_us < bottom_us)) bottom_us = l->p50_us;
      present.insert(l->tier);
    }
  }
  constexpr double kBar = 11, kGap = 3, kGroupGap = 16;
  std::vector<Tick> centres;
  std::vector<double> group_top;
  double height = kGroupGap / 2;
  for (const auto& [endpoint, rows] : by_endpoint) {
    const double h = static_cast<double>(rows.size()) * (kBar + kGap) - kGap;
    group_top.push_back(height);
    centres.push_back({height + h / 2, clip(endpoint)});
    height += h + kGroupGap;
  }
  height = by_endpoint.empty() ? 60 : height - kGroupGap / 2;

  Plot p = make_plot(label_margin(chars), 12, height);
  // Linear from 0 (with room for the labels) unless the endpoints span more than ~1.5 decades, as
  // a 4 s chat next to 10 ms reads do: then logarithmic, so that every endpoint's bar is readable.
  if (bottom_us > 0 && top_us > 30 * bottom_us)
    p.xa = log_axis(ms(bottom_us), ms(top_us) * 2.5, fmt::format("ms ({}, log scale): bar to p99, tick at p50", clock));
  else
    p.xa = nice_axis(ms(top_us) * 1.15, fmt::format("ms ({}): bar to p99, tick at p50", clock), false, 6);
  p.ya = category_axis(height, centres);
  p.y_down = true;
  std::string s = draw_axes(p);
  std::vector<Key> keys;
  for (const auto& t : tiers)
    if (present.count(t)) keys.push_back({tier_colour(tiers, t), "tier " + t + " (p99)", Swatch::kBox});
  keys.push_back({kMarkColour, "p50 (median)", Swatch::kTick});
  if (by_endpoint.empty()) s += no_data(p, "no latency recorded");
  size_t group = 0;
  for (const auto& [endpoint, rows] : by_endpoint) {
    double y = p.y + group_top[group++];
    for (const auto* l : rows) {
      const double x99 = p.X(ms(l->p99_us)), x50 = p.X(ms(l->p50_us));
      s += rect(p.x, y, x99 - p.x, kBar, tier_colour(tiers, l->tier),
                fmt::format("{}, tier {}: p50 {} ms, p95 {} ms, p99 {} ms, max {} ms ({} requests)", endpoint, l->tier,
                            ms_text(l->p50_us), ms_text(l->p95_us), ms_text(l->p99_us), ms_text(l->max_us),
                            grouped(l->count)));
      s += line(x50, y - 2, x50, y + kBar + 2, kMarkColour, R"( stroke-width="2.5")");
      s += text(x99 + 4, y + kBar - 2, ms_text(l->p99_us), "start", R"( font-size="10" fill="#333")");
      y += kBar + kGap;
    }
  }
  s += legend(p, keys);
  return svg_open(svg_height(p, keys.size()),
                  fmt::format("Horizontal bar chart: p99 and p50 latency in milliseconds of {}, by endpoint and tier", clock)) +
         s + "</svg>";
}

// ---- c. refusals by reason -------------------------------------------------------------------

std::string refusals_chart(const RunResult& r) {
  enum Kind { kLimit, kThrottle, kFailure, kOther };
  struct Reason {
    int64_t count = 0;
    Kind kind = kOther;
    std::string codes;
  };
  std::map<std::string, Reason> by_reason;
  for (const auto& [code, x] : r.refusals) {
    const std::string reason = x.reason.empty() ? code : x.reason;
    Reason& agg = by_reason[reason];
    agg.count += x.count;
    agg.kind = reason == "tier limit"              ? kLimit
               : reason.rfind("throttled", 0) == 0 ? kThrottle
               : x.status >= 500                   ? kFailure
               : x.status == 429                   ? kThrottle
                                                   : kOther;
    agg.codes += fmt::format("{}{} {} ×{} (first {})", agg.codes.empty() ? "" : "; ", x.status, code,
                             grouped(x.count), x.first_at);
  }
  std::vector<std::pair<std::string, Reason>> bars(by_reason.begin(), by_reason.end());
  std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
  int64_t top = 0;
  size_t chars = 0;
  for (const auto& [reason, x] : bars) {
    top = std::max(top, x.count);
    chars = std::max(chars, clip(reason).size());
  }
  constexpr double kBar = 18, kGap = 8;
  std::vector<Tick> centres;
  for (size_t i = 0; i < bars.size(); ++i)
    centres.push_back({kGap / 2 + static_cast<double>(i) * (kBar + kGap) + kBar / 2, clip(bars[i].first)});
  const double height = bars.empty() ? 60 : static_cast<double>(bars.size()) * (kBar + kGap);

  static constexpr std::array<const char*, 4> kColours = {kLimitColour, kThrottledColour, kFailedColour, kOtherColour};
  static constexpr std::array<const char*, 4> kLabels = {"tier limit (429)", "throttled (429)", "failure (5xx)", "other"};
  Plot p = make_plot(label_margin(chars), 12, height);
  p.xa = nice_axis(static_cast<double>(top) * 1.15, "requests refused or failed over the run (count)", true, 6);
  p.ya = category_axis(height, centres);
  p.y_down = true;
  std::string s = draw_axes(p);
  std::set<Kind> kinds;
  if (bars.empty()) s += no_data(p, "no refusals or failures");
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& [reason, x] = bars[i];
    const double y = p.y + kGap / 2 + static_cast<double>(i) * (kBar + kGap);
    const double xe = p.X(static_cast<double>(x.count));
    s += rect(p.x, y, xe - p.x, kBar, kColours[x.kind], reason + ": " + x.codes);
    s += text(xe + 4, y + kBar - 5, grouped(x.count), "start", R"( fill="#333")");
    kinds.insert(x.kind);
  }
  std::vector<Key> keys;
  for (const Kind k : kinds) keys.push_back({kColours[k], kLabels[k], Swatch::kBox});
  s += legend(p, keys);
  return svg_open(svg_height(p, keys.size()), "Horizontal bar chart: count of refused and failed requests by reason") + s +
         "</svg>";
}

// ---- d. cost by tier and service ---------------------------------------------------------------

std::string cost_by_service_chart(const RunResult& r, const std::vector<std::string>& all_tiers) {
  std::map<std::string, std::array<Money, kServices.size()>> by_tier;
  std::map<std::string, int64_t> tenants;
  for (const auto& t : r.tenants) {
    auto& a = by_tier[t.tier];
    ++tenants[t.tier];
    Money attributed;
    for (const auto& [svc, m] : t.cost_by_service) {
      const auto it = std::find(kServices.begin(), kServices.end() - 1, svc);
      a[static_cast<size_t>(it - kServices.begin())] += m;
      attributed += m;
    }
    // Cost the tenant row carries beyond its per-service breakdown counts as "others".
    if (t.cost.pico > attributed.pico) a[kOtherService] += Money{t.cost.pico - attributed.pico};
  }
  std::vector<std::string> tiers;
  for (const auto& t : all_tiers)
    if (by_tier.count(t)) tiers.push_back(t);
  std::map<std::string, Money> totals;
  Money top;
  std::array<bool, kServices.size()> used{};
  for (const auto& [tier, a] : by_tier) {
    for (size_t k = 0; k < kServices.size(); ++k) {
      totals[tier] += a[k];
      used[k] = used[k] || a[k].pico > 0;
    }
    top = std::max(top, totals[tier]);
  }

  Plot p = make_plot(84, 14, 240);
  p.xa.hi = static_cast<double>(std::max<size_t>(1, tiers.size()));
  p.xa.grid = false;
  for (size_t i = 0; i < tiers.size(); ++i)
    p.xa.ticks.push_back({static_cast<double>(i) + 0.5, fmt::format("{} ({} tenants)", tiers[i], tenants[tiers[i]])});
  p.xa.title = "tier";
  p.ya = nice_axis(usd(top) * 1.1, "USD over the run", false);  // room for the totals above the bars
  std::string s = draw_axes(p);
  if (tiers.empty()) s += no_data(p);
  else if (top.pico <= 0) s += no_data(p, "no cost recorded");
  const double slot = p.w / p.xa.hi, bar = std::min(slot * 0.55, 110.0);
  for (size_t i = 0; i < tiers.size() && top.pico > 0; ++i) {
    const auto& a = by_tier[tiers[i]];
    const double x = p.x + slot * (static_cast<double>(i) + 0.5) - bar / 2;
    Money below;
    for (size_t k = 0; k < kServices.size(); ++k) {
      if (a[k].pico <= 0) continue;
      const Money above = below + a[k];
      const double y0 = p.Y(usd(below)), y1 = p.Y(usd(above));
      s += rect(x, y1, bar, y0 - y1, kServiceColours[k],
                fmt::format("tier {}, {}: {} ({} of the tier)", tiers[i], kServices[k], usd_text(a[k]),
                            percent(a[k], totals[tiers[i]])),
                R"( stroke="#fff" stroke-width="0.5")");
      below = above;
    }
    s += text(x + bar / 2, p.Y(usd(below)) - 5, usd_text(totals[tiers[i]]), "middle", R"( fill="#333")");
  }
  std::vector<Key> keys;  // top of the stack first, as the stack reads
  for (size_t k = kServices.size(); k-- > 0;)
    if (used[k] || top.pico <= 0) keys.push_back({kServiceColours[k], kServices[k], Swatch::kBox});
  s += legend(p, keys);
  return svg_open(svg_height(p, keys.size()), "Stacked bar chart: cost in USD of each tier over the run, by service") + s +
         "</svg>";
}

// An axis through zero for values of either sign (margins): steps of 1, 2 or 5 x 10^e.
Axis signed_axis(double lo, double hi, std::string title) {
  const double span = std::max(std::abs(lo), std::abs(hi));
  Axis a = nice_axis(span, std::move(title), false);
  if (a.ticks.size() < 2) return a;
  const double step = a.ticks[1].value;
  a.lo = lo < 0 ? -std::ceil(-lo / step - 1e-9) * step : 0;
  a.hi = hi > 0 ? std::ceil(hi / step - 1e-9) * step : step;
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
  a.ticks.clear();
  for (double v = a.lo; v <= a.hi + step / 2; v += step) a.ticks.push_back({v, tick_label(std::abs(v) < step / 2 ? 0 : v, decimals)});
  return a;
}

// ---- e. cost and margin per tenant, by tier -----------------------------------------------------

// The spread of one amount per tenant (its cost, its margin) in each tier: min, p10, median, p90 and
// max on one axis, through zero when any tenant's amount is negative (a margin).
std::string tenant_distribution_chart(const RunResult& r, const std::vector<std::string>& all_tiers,
                                      Money (*amount)(const TenantRow&), const std::string& axis_title,
                                      const std::string& aria) {
  std::map<std::string, std::vector<int64_t>> values;
  for (const auto& t : r.tenants) values[t.tier].push_back(amount(t).pico);
  struct Row {
    std::string tier;
    size_t n;
    Money min, p10, p50, p90, max;
  };
  std::vector<Row> rows;
  Money top, bottom;
  size_t chars = 0;
  for (const auto& tier : all_tiers) {
    auto it = values.find(tier);
    if (it == values.end()) continue;
    auto& v = it->second;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    auto q = [&](size_t pct) { return Money{v[std::max<size_t>(1, (pct * n + 99) / 100) - 1]}; };  // nearest rank
    rows.push_back({tier, n, Money{v.front()}, q(10), q(50), q(90), Money{v.back()}});
    top = std::max(top, rows.back().max);
    bottom = std::min(bottom, rows.back().min);
    chars = std::max(chars, fmt::format("{} (n={})", tier, n).size());
  }
  constexpr double kRow = 46;
  std::vector<Tick> centres;
  for (size_t i = 0; i < rows.size(); ++i)
    centres.push_back({static_cast<double>(i) * kRow + 14, fmt::format("{} (n={})", rows[i].tier, rows[i].n)});
  const double height = rows.empty() ? 60 : static_cast<double>(rows.size()) * kRow;

  Plot p = make_plot(label_margin(chars), 12, height);
  p.xa = bottom.pico < 0 ? signed_axis(usd(bottom) * 1.02, usd(top) * 1.02, axis_title)
                         : nice_axis(usd(top) * 1.02, axis_title, false, 6);
  p.ya = category_axis(height, centres);
  p.y_down = true;
  std::string s = draw_axes(p);
  if (bottom.pico < 0) s += line(p.X(0), p.y, p.X(0), p.bottom(), "#555", R"( stroke-dasharray="3 3")");
  if (rows.empty()) s += no_data(p);
  else if (top.pico <= 0 && bottom.pico >= 0) s += no_data(p, "nothing recorded");
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& w = rows[i];
    const char* colour = tier_colour(all_tiers, w.tier);
    const double cy = p.y + static_cast<double>(i) * kRow + 14;
    const double xmin = p.X(usd(w.min)), xmax = p.X(usd(w.max)), x10 = p.X(usd(w.p10)), x90 = p.X(usd(w.p90));
    const double x50 = p.X(usd(w.p50));
    const std::string summary = fmt::format("min {} · p10 {} · median {} · p90 {} · max {}", usd_text(w.min),
                                            usd_text(w.p10), usd_text(w.p50), usd_text(w.p90), usd_text(w.max));
    s += line(xmin, cy, xmax, cy, colour, R"( stroke-width="1.5")");
    s += line(xmin, cy - 5, xmin, cy + 5, colour, R"( stroke-width="1.5")");
    s += line(xmax, cy - 5, xmax, cy + 5, colour, R"( stroke-width="1.5")");
    s += rect(x10, cy - 7, std::max(x90 - x10, 1.5), 14, colour, "tier " + w.tier + ": " + summary,
              fmt::format(R"( fill-opacity="0.45" stroke="{}")", colour));
    s += line(x50, cy - 9, x50, cy + 9, kMarkColour, R"( stroke-width="2.5")");
    s += text(p.x + 6, cy + 24, summary, "start", R"( font-size="10" fill="#444")");
  }
  std::vector<Key> keys;
  for (const auto& w : rows) keys.push_back({tier_colour(all_tiers, w.tier), "tier " + w.tier, Swatch::kBox});
  keys.push_back({"#555", "box: p10 to p90", Swatch::kHollowBox});
  keys.push_back({kMarkColour, "median (p50)", Swatch::kTick});
  keys.push_back({"#555", "whiskers: min to max", Swatch::kRange});
  if (bottom.pico < 0) keys.push_back({"#555", "zero", Swatch::kDashed});
  s += legend(p, keys);
  return svg_open(svg_height(p, keys.size()), aria) + s + "</svg>";
}

Money cost_of(const TenantRow& t) { return t.cost; }
Money margin_of(const TenantRow& t) { return t.revenue - t.cost; }

// ---- e2. revenue, cost and margin per tier ----------------------------------------------------------

// Two bars per tier, revenue and cost, on a log scale when they are decades apart (a $29 fee against
// cents of tokens), with the margin written beside them: a linear scale would hide the cost bars.
std::string margin_chart(const std::vector<TierEconomics>& tiers) {
  constexpr double kBar = 13, kGap = 3, kGroupGap = 18;
  constexpr const char* kRevenueColour = "#009e73";
  constexpr const char* kCostColour = "#d55e00";
  double top = 0, bottom = 0;  // largest and smallest positive USD shown
  std::vector<Tick> centres;
  double height = kGroupGap / 2;
  for (const auto& e : tiers) {
    for (const Money m : {e.revenue, e.cost})
      if (m.pico > 0) {
        top = std::max(top, usd(m));
        bottom = bottom == 0 ? usd(m) : std::min(bottom, usd(m));
      }
    centres.push_back({height + kBar + kGap / 2, fmt::format("{} ({} tenants)", e.tier, e.tenants)});
    height += 2 * kBar + kGap + kGroupGap;
  }
  height = tiers.empty() ? 60 : height - kGroupGap / 2;
  Plot p = make_plot(label_margin(24), 12, height);
  p.w -= 230;  // room right of the bars for their value labels and the margin text
  const bool log = bottom > 0 && top > 30 * bottom;
  p.xa = log ? log_axis(bottom, top * 1.05, "USD over the run (log scale)") : nice_axis(top * 1.05, "USD over the run", false, 6);
  p.ya = category_axis(height, centres);
  p.y_down = true;
  std::string s = draw_axes(p);
  if (tiers.empty() || top <= 0) s += no_data(p, "no revenue or cost recorded");
  double y = p.y + kGroupGap / 2;
  for (const auto& e : tiers) {
    const Money values[2] = {e.revenue, e.cost};
    const char* names[2] = {"revenue", "cost"};
    for (int k = 0; k < 2; ++k) {
      const double x = values[k].pico > 0 ? p.X(usd(values[k])) : p.x;
      s += rect(p.x, y, x - p.x, kBar, k == 0 ? kRevenueColour : kCostColour,
                fmt::format("tier {}: {} {}", e.tier, names[k], usd_text(values[k])));
      s += text(x + 4, y + kBar - 3, usd_text(values[k]), "start", R"( font-size="10" fill="#333")");
      y += kBar + kGap;
    }
    const std::string margin = fmt::format("margin {}{}", usd_text(e.margin),
                                           e.margin_bp ? " (" + bp_percent(*e.margin_bp) + "%)" : "");
    s += text(p.right() + 64, y - kBar - kGap, margin, "start",
              fmt::format(R"( font-size="11" font-weight="bold" fill="{}")", e.margin.pico < 0 ? kCostColour : "#333"));
    s += text(p.right() + 64, y - 2, fmt::format("{} of {} tenants lose money", e.losing_tenants, e.tenants), "start",
              R"( font-size="10" fill="#555")");
    y += kGroupGap - kGap;
  }
  p.w += 230;  // the legend goes right of the margin text
  s += legend(p, {{kRevenueColour, "revenue", Swatch::kBox}, {kCostColour, "cost", Swatch::kBox}});
  return svg_open(svg_height(p, 2), "Horizontal bar chart: revenue and cost in USD per tier, "
                                    "with each tier's margin") +
         s + "</svg>";
}

// ---- f. a wall-clock load run: throughput, chat latency and the knee -----------------------------

struct Series {
  std::string colour, name;
  std::vector<std::pair<double, double>> points;  // (x, y), in x order
  Swatch swatch = Swatch::kLine;                  // kDashed: a dashed reference line
};

// Lines over a numeric x axis, with a dot on every point when there are few (a knee's steps).
std::string series_chart(const std::string& aria, Axis xa, Axis ya, const std::vector<Series>& series) {
  Plot p = make_plot(84, 26, 200);
  p.xa = std::move(xa);
  p.ya = std::move(ya);
  std::string s = draw_axes(p);
  std::vector<Key> keys;
  bool any = false;
  for (const auto& line_of : series) {
    keys.push_back({line_of.colour, line_of.name, line_of.swatch});
    if (line_of.points.empty()) continue;
    any = any || line_of.swatch != Swatch::kDashed;
    std::string points;
    for (const auto& [x, y] : line_of.points) points += fmt::format("{},{} ", px(p.X(x)), px(p.Y(y)));
    points.pop_back();
    s += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.8" stroke-linejoin="round"{} points="{}"><title>{}</title></polyline>)",
                     line_of.colour, line_of.swatch == Swatch::kDashed ? R"( stroke-dasharray="4 3")" : "", points,
                     esc(line_of.name));
    if (line_of.points.size() <= 20 && line_of.swatch != Swatch::kDashed)
      for (const auto& [x, y] : line_of.points)
        s += fmt::format(R"(<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}: {}</title></circle>)", px(p.X(x)),
                         px(p.Y(y)), line_of.colour, esc(line_of.name), tick_label(y, y < 10 ? 2 : 0));
  }
  if (!any) s += no_data(p);
  s += legend(p, keys);
  return svg_open(svg_height(p, keys.size()), aria) + s + "</svg>";
}

// Revenue, metered cost, the silo tenants' fixed cost and the platform's cost (DynamoDB, Cognito)
// per UTC day, on one scale; the fixed and platform lines only when the run has any.
std::string daily_chart(const RunResult& r) {
  Axis xa;
  xa.hi = static_cast<double>(std::max<size_t>(1, r.daily.size()));
  xa.title = "UTC day (MM-DD)";
  const size_t every = std::max<size_t>(1, (r.daily.size() + 9) / 10);
  Series revenue{"#009e73", "revenue", {}}, cost{"#d55e00", "metered cost", {}}, fixed{"#000000", "silo fixed cost", {}},
      platform{"#0072b2", "platform cost (DynamoDB, Cognito)", {}};
  bool any_fixed = false, any_platform = false;
  double top = 0;
  for (size_t i = 0; i < r.daily.size(); ++i) {
    const auto& d = r.daily[i];
    if (i % every == 0) xa.ticks.push_back({static_cast<double>(i) + 0.5, d.day.size() >= 10 ? d.day.substr(5) : d.day});
    revenue.points.emplace_back(static_cast<double>(i) + 0.5, usd(d.revenue));
    cost.points.emplace_back(static_cast<double>(i) + 0.5, usd(d.metered_cost));
    fixed.points.emplace_back(static_cast<double>(i) + 0.5, usd(d.fixed_cost));
    platform.points.emplace_back(static_cast<double>(i) + 0.5, usd(d.platform_cost));
    any_fixed = any_fixed || d.fixed_cost.pico != 0;
    any_platform = any_platform || d.platform_cost.pico != 0;
    top = std::max({top, usd(d.revenue), usd(d.metered_cost), usd(d.fixed_cost), usd(d.platform_cost)});
  }
  std::vector<Series> series{revenue, cost};
  if (any_fixed) series.push_back(fixed);
  if (any_platform) series.push_back(platform);
  return series_chart("Line chart: revenue, metered cost, silo fixed cost and platform cost in USD per UTC day of the run", xa,
                      nice_axis(top, "USD per day", false), series);
}

std::string load_section(const LoadSeries& l) {
  std::string h = "<h2>Load over wall-clock time</h2><p class=\"note\">" +
                  esc(fmt::format("Model: {}. Counted per second of traffic by each request's intended send time; "
                                  "latency from that time too (open model), so a stalled server shows its stall. A "
                                  "wall-clock run is not deterministic: these figures vary from run to run.",
                                  l.model)) +
                  "</p>";
  double last = 1, top = 0, top_ms = 0;
  Series requests{kRequestsColour, "requests", {}}, refused{kLimitColour, "refused (429)", {}},
      errors{kFailedColour, "failed (5xx, no answer)", {}};
  Series p50{kRequestsColour, "chat p50", {}}, p99{kFailedColour, "chat p99", {}};
  for (const auto& x : l.seconds) {
    const double at = static_cast<double>(x.second) + 0.5;  // the middle of its second
    last = std::max(last, static_cast<double>(x.second + 1));
    top = std::max(top, static_cast<double>(x.requests));
    requests.points.emplace_back(at, static_cast<double>(x.requests));
    refused.points.emplace_back(at, static_cast<double>(x.refused));
    errors.points.emplace_back(at, static_cast<double>(x.errors));
    if (x.chat_p99_us > 0) {
      top_ms = std::max(top_ms, ms(x.chat_p99_us));
      p50.points.emplace_back(at, ms(x.chat_p50_us));
      p99.points.emplace_back(at, ms(x.chat_p99_us));
    }
  }
  auto seconds_axis = [&] { return nice_axis(last, "seconds since traffic started", true, 8); };
  h += "<h3>Throughput</h3>" + series_chart("Line chart: requests, refusals and failures per second of the load run",
                                            seconds_axis(), nice_axis(top, "requests per second", true),
                                            {requests, refused, errors});
  h += "<h3>Chat latency</h3><p class=\"note\">Percentiles of the chats answered 200 in each second.</p>" +
       series_chart("Line chart: chat latency p50 and p99 in milliseconds per second of the load run", seconds_axis(),
                    nice_axis(top_ms, "chat latency, ms", false), {p50, p99});
  if (!l.knee.empty()) {
    double top_rate = 0, knee_ms = 0;
    Series achieved{kRequestsColour, "achieved rate", {}}, asked{kOtherColour, "asked rate (ideal)", {}, Swatch::kDashed},
        step_p99{kFailedColour, "chat p99 of the step", {}};
    for (const auto& k : l.knee) {
      top_rate = std::max({top_rate, k.asked_per_s, k.achieved_per_s});
      knee_ms = std::max(knee_ms, ms(k.chat_p99_us));
      achieved.points.emplace_back(k.asked_per_s, k.achieved_per_s);
      asked.points.emplace_back(k.asked_per_s, k.asked_per_s);
      step_p99.points.emplace_back(k.asked_per_s, ms(k.chat_p99_us));
    }
    h += "<h3>Finding the knee</h3><p class=\"note\">One point per step of --find-knee: the rate asked, what the "
         "target sustained, and the step's chat p99. The last step is the one that did not hold.</p>" +
         series_chart("Line chart: achieved against asked request rate per knee step",
                      nice_axis(top_rate, "asked rate, requests per second", true),
                      nice_axis(top_rate, "achieved rate, requests per second", true), {achieved, asked}) +
         series_chart("Line chart: chat p99 in milliseconds per knee step",
                      nice_axis(top_rate, "asked rate, requests per second", true),
                      nice_axis(knee_ms, "chat p99, ms", false), {step_p99});
  }
  return h;
}

}  // namespace

// One tier across a sweep's cells: a bar per cell, in the grid's order, from zero to the tier's
// margin on the tier's own signed axis, with the margin and cost written beside it. Lines across
// cells would suggest an order between unrelated what-ifs, and one axis for every tier would
// flatten the cheap ones.
std::string sweep_tier_chart(const std::string& tier, const std::string& colour,
                             const std::vector<std::pair<std::string, TierEconomics>>& rows) {
  constexpr double kBar = 14, kGap = 7;
  constexpr const char* kLoss = "#d55e00";
  double lo = 0, hi = 0;
  size_t longest = 0;
  std::vector<Tick> centres;
  double height = kGap;
  for (const auto& [cell, e] : rows) {
    lo = std::min(lo, usd(e.margin));
    hi = std::max(hi, usd(e.margin));
    centres.push_back({height + kBar / 2, clip(cell, 40)});
    longest = std::max(longest, std::min<size_t>(cell.size(), 40));
    height += kBar + kGap;
  }
  Plot p = make_plot(label_margin(longest), 12, std::max(height, 30.0));
  p.w -= 150;  // room right of the plot for each cell's figures
  p.xa = signed_axis(lo, hi, "margin, USD over the run");
  p.ya = category_axis(p.h, centres);
  p.y_down = true;
  std::string s = draw_axes(p);
  if (rows.empty()) s += no_data(p);
  s += line(p.X(0), p.y, p.X(0), p.bottom(), "#333");
  double y = p.y + kGap;
  for (const auto& [cell, e] : rows) {
    const double x0 = p.X(0), x1 = p.X(usd(e.margin));
    s += rect(std::min(x0, x1), y, std::abs(x1 - x0), kBar, e.margin.pico < 0 ? kLoss : colour,
              fmt::format("{}, tier {}: margin {}, revenue {}, cost {}", cell, tier, usd_text(e.margin),
                          usd_text(e.revenue), usd_text(e.cost)));
    s += text(p.right() + 8, y + kBar - 3, fmt::format("{} (cost {})", usd_text(e.margin), usd_text(e.cost)), "start",
              fmt::format(R"( font-size="10" fill="{}")", e.margin.pico < 0 ? kLoss : "#333"));
    y += kBar + kGap;
  }
  return svg_open(svg_height(p, 0), fmt::format("Bar chart: margin in USD of tier {} in each cell of the sweep", tier)) +
         s + "</svg>";
}

std::string render_sweep_html(const std::string& title, const std::vector<SweepCell>& cells) {
  std::string h = R"(<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tenantsim sweep</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}code{background:#f3f3f3;padding:0 3px}
svg{display:block;max-width:100%;height:auto}.note{color:#555;font-size:12px;margin:0 0 .5em}</style></head><body>)";
  h += "<h1>" + esc(title) + " — what-if sweep</h1><table><tr><th>cell</th><th>overrides</th><th>verdict</th></tr>";
  RunResult all;
  for (const auto& c : cells) {
    std::string o;
    for (const auto& x : c.overrides) o += "<code>" + esc(x) + "</code><br>";
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(c.name), o, c.result.passed() ? "PASS" : "FAIL");
    all.tenants.insert(all.tenants.end(), c.result.tenants.begin(), c.result.tenants.end());
  }
  h += "</table>";
  const std::vector<std::string> tiers = tier_order(all);
  h += "<h2>Margin per tier, cell by cell</h2><p class=\"note\">Revenue (fees prorated over the run) less cost, in "
       "USD; left of zero the tier loses money. Each tier on its own scale (a tier that moves by dollars is not "
       "flattened by one that moves by hundreds), its cells in the grid's order.</p>";
  for (const auto& tier : tiers) {
    std::vector<std::pair<std::string, TierEconomics>> rows;
    for (const auto& c : cells)
      for (const auto& e : tier_economics(c.result))
        if (e.tier == tier) rows.emplace_back(c.name + (c.overrides.empty() ? "" : ": " + fmt::format("{}", fmt::join(c.overrides, ", "))), e);
    h += "<h3>" + esc(tier) + "</h3>" + sweep_tier_chart(tier, tier_colour(tiers, tier), rows);
  }
  h += "<h2>Economics by cell and tier</h2><table><tr><th>cell</th><th>tier</th><th>tenants</th><th>messages</th>"
       "<th>revenue</th><th>cost</th><th>margin</th><th>margin %</th><th>losing money</th></tr>";
  for (const auto& c : cells)
    for (const auto& e : tier_economics(c.result))
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{} of {}</td></tr>",
                       esc(c.name), esc(e.tier), e.tenants, grouped(e.messages), usd_text(e.revenue), usd_text(e.cost),
                       usd_text(e.margin), e.margin_bp ? bp_percent(*e.margin_bp) : "n/a", e.losing_tenants, e.tenants);
  return h + "</table></body></html>\n";
}

std::string render_html(const RunResult& r) {
  std::string h = R"(<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tenantsim report</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.pass{color:#1a7f37}.fail{color:#c62828;font-weight:bold}
.warn{color:#b26a00;font-weight:bold}.not_exercised{color:#666;font-style:italic}
code{background:#f3f3f3;padding:0 3px}svg{display:block;max-width:100%;height:auto}
.note{color:#555;font-size:12px;margin:0 0 .5em}</style></head><body>)";
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

  const std::vector<std::string> tiers = tier_order(r);
  std::string note;
  if (r.load) {
    h += load_section(*r.load);
  } else {
    const std::string timeline = timeline_chart(r, note);
    h += "<h2>Requests and refusals over time</h2><p class=\"note\">" + esc(note) + "</p>" + timeline;
  }
  h += std::string("<h2>Latency by endpoint and tier (") + (r.load ? "wall clock" : "virtual time") +
       ")</h2><p class=\"note\">Ordinary users' requests (adversaries' "
       "excluded). The bar runs to the p99, the dark tick marks the p50; the number is the p99 in ms. Hover a bar for "
       "p95, max and the request count.</p>" +
       latency_chart(r, tiers);
  h += "<h2>Refusals by reason</h2><p class=\"note\">429s and 5xx of ordinary users over the run, summed by reason. "
       "Hover a bar for the error codes and when each first occurred.</p>" +
       refusals_chart(r);
  if (r.economics == EconomicsScope::kNone)
    return h + "<h2>Costs</h2><p class=\"note\">Not read: the target's metering is its own, so this run judged its "
               "answers only.</p></body></html>\n";
  h += "<h2>Cost by tier and service</h2><p class=\"note\">Metered cost of each tier over the run, stacked by "
       "service; the total is printed above each bar.</p>" +
       cost_by_service_chart(r, tiers);
  h += "<h2>Cost per tenant, by tier</h2><p class=\"note\">How cost spreads over the tenants of each tier "
       "(nearest-rank percentiles).</p>" +
       tenant_distribution_chart(r, tiers, cost_of, "USD per tenant over the run",
                                 "Distribution of cost per tenant in USD for each tier: minimum, 10th percentile, "
                                 "median, 90th percentile and maximum");

  if (r.economics == EconomicsScope::kCostOnly) {
    h += "<p class=\"note\">No revenue or margin: this is what a wall-clock load's traffic cost as the system "
         "metered it, and seconds of prorated fees are not a bill (<code>tenantsim run</code> models a month).</p>";
    return h + "</body></html>\n";
  }
  const auto economics = tier_economics(r);
  h += "<h2>Revenue, cost and margin by tier</h2><p class=\"note\">Revenue: each tier's monthly fee and its seats "
       "beyond those included, prorated over the run by calendar month, and messages beyond the month's allowance at "
       "the overage price (tiers.json <code>monthly_fee_usd</code>, <code>seat_fee_usd</code>, "
       "<code>overage_usd_per_message</code>); cost: by service, silo tenants' fixed monthly resources included. "
       "Tier changes during the run bill each tier for its own stretch; the tenant stays under the tier it started "
       "on.</p>" +
       margin_chart(economics);
  h += "<h2>Margin per tenant, by tier</h2><p class=\"note\">Each tenant's revenue less its cost over the run: left "
       "of the dashed zero line a tenant loses money.</p>" +
       tenant_distribution_chart(r, tiers, margin_of, "USD margin per tenant over the run",
                                 "Distribution of margin per tenant in USD for each tier: minimum, 10th percentile, "
                                 "median, 90th percentile and maximum, with zero marked");
  // Rounded for reading; hover for the exact amount (tiers.csv and report.json carry it too).
  auto cell = [](Money m) { return fmt::format("<td title=\"{} USD exactly\">{}</td>", m.to_usd_string(), usd_text(m)); };
  h += "<h2>Economics by tier</h2><p class=\"note\">Amounts rounded; hover a cell for the exact figure (also in "
       "tiers.csv). Break-even: messages a tenant could send over the run before its cost passed its fee, with "
       "its fixed cost (a silo's monthly resources, its users' Cognito MAUs) paid first; never: the fixed cost "
       "alone exceeds the fee.</p>"
       "<table><tr><th>tier</th><th>tenants</th><th>messages</th><th>revenue</th><th>cost</th><th>margin</th>"
       "<th>margin %</th><th>losing money</th><th>per message</th><th>per tenant p50 / p90 / max</th>"
       "<th>break-even</th></tr>";
  for (const auto& e : economics)
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td>{}{}{}<td>{}</td><td>{} of {}</td>{}<td>{} / {} / {}</td>"
                     "<td>{}</td></tr>",
                     esc(e.tier), e.tenants, grouped(e.messages), cell(e.revenue), cell(e.cost), cell(e.margin),
                     e.margin_bp ? bp_percent(*e.margin_bp) : "n/a", e.losing_tenants, e.tenants,
                     e.cost_per_message ? cell(*e.cost_per_message) : "<td>n/a</td>", usd_text(e.tenant_cost_p50),
                     usd_text(e.tenant_cost_p90), usd_text(e.tenant_cost_max),
                     e.break_even_never                 ? std::string("never")
                     : e.break_even_messages_per_tenant ? grouped(*e.break_even_messages_per_tenant)
                                                        : std::string("n/a"));
  h += "</table>";
  if (!r.daily.empty())
    h += "<h2>Revenue and cost per day</h2><p class=\"note\">Revenue earned each UTC day (fees and seats prorated, "
         "overage on the day of the message; the days add up to the run's revenue exactly), the cost the system "
         "metered that day (model, tools, weather) and the silo tenants' fixed cost accrued that day. DynamoDB and "
         "Cognito costs are totals only: their ledgers do not keep days. monthly.csv adds the days up by month.</p>" +
         daily_chart(r);
  // Seed 004's question of the consumption events: which agent of which tier spends the tokens.
  if (!r.consumption.empty()) {
    struct AgentSpend {
      int64_t tenants = 0, invocations = 0, input_tokens = 0, output_tokens = 0;
      Money cost;
    };
    std::map<std::pair<std::string, std::string>, AgentSpend> by_agent;  // (tier, agent)
    for (const auto& c : r.consumption) {
      auto& a = by_agent[{c.tier, c.agent}];
      ++a.tenants;  // rows are per tenant, tier, agent and model: a tenant on two models counts twice
      a.invocations += c.invocations;
      a.input_tokens += c.input_tokens;
      a.output_tokens += c.output_tokens;
      a.cost += c.cost;
    }
    h += "<h2>Model cost by tier and agent</h2><p class=\"note\">From the consumption events the system emits with "
         "each model invocation (consumption.csv has them per tenant): the orchestrator and its sub-agents, or a "
         "Bedrock agent, and what their tokens cost; events that named no tenant count here too.</p>"
         "<table><tr><th>tier</th><th>agent</th><th>tenant rows</th><th>model calls</th><th>input tokens</th>"
         "<th>output tokens</th><th>cost</th></tr>";
    for (const auto& [key, a] : by_agent)
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>", esc(key.first),
                       esc(key.second), a.tenants, grouped(a.invocations), grouped(a.input_tokens),
                       grouped(a.output_tokens), cell(a.cost));
    h += "</table>";
  }
  // The tenants a pricing analyst looks at first.
  const auto by_cost = most_expensive_tenants(r, 10);
  if (!by_cost.empty()) {
    h += "<h2>The most expensive tenants</h2><table><tr><th>tenant</th><th>tier</th><th>users</th><th>messages</th>"
         "<th>cost</th><th>revenue</th><th>margin</th></tr>";
    for (const auto* t : by_cost)
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                       esc(t->id), esc(t->tier), t->users, grouped(t->chats_accepted), usd_text(t->cost),
                       usd_text(t->revenue), usd_text(t->revenue - t->cost));
    h += "</table>";
  }
  return h + "</body></html>\n";
}

}  // namespace tenantsim
