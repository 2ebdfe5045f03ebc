#include "harness/http/metrics.h"

#include <fmt/format.h>

namespace tenantsim::http {

namespace {

// Label values are route patterns, codes and tier names, but escape anyway: a broken scrape
// would hide every metric, not just one.
std::string esc(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void ServeMetrics::record(const std::string& method, const std::string& route, int status, const std::string& code,
                          const std::string& tier, std::chrono::microseconds latency) {
  const std::string r = route.empty() ? "unmatched" : route;
  std::lock_guard lock(mu_);
  ++requests_[{r, method, status}];
  Histogram& h = latency_[{r, method}];
  const double seconds = static_cast<double>(latency.count()) / 1e6;
  for (size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) ++h.buckets[i];
  ++h.count;
  h.sum_us += latency.count();
  if (status >= 400 && !code.empty()) ++refusals_[{code, status}];
  if (!tier.empty()) ++by_tier_[tier];
}

std::string ServeMetrics::render(const ServerStats& server) const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP tenantsim_http_requests_total Requests answered, by route pattern, method and status.\n"
         "# TYPE tenantsim_http_requests_total counter\n";
  for (const auto& [k, n] : requests_)
    out += fmt::format("tenantsim_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                       esc(std::get<0>(k)), esc(std::get<1>(k)), std::get<2>(k), n);
  out += "# HELP tenantsim_http_request_duration_seconds Time from a request's last byte to its answer.\n"
         "# TYPE tenantsim_http_request_duration_seconds histogram\n";
  for (const auto& [k, h] : latency_) {
    const std::string labels = fmt::format("route=\"{}\",method=\"{}\"", esc(k.first), esc(k.second));
    for (size_t i = 0; i < kBounds.size(); ++i)
      out += fmt::format("tenantsim_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, kBounds[i], h.buckets[i]);
    out += fmt::format("tenantsim_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, h.count);
    out += fmt::format("tenantsim_http_request_duration_seconds_sum{{{}}} {:.6f}\n", labels, static_cast<double>(h.sum_us) / 1e6);
    out += fmt::format("tenantsim_http_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
  out += "# HELP tenantsim_refusals_total Requests refused, by error code and status (limits, auth, faults).\n"
         "# TYPE tenantsim_refusals_total counter\n";
  for (const auto& [k, n] : refusals_)
    out += fmt::format("tenantsim_refusals_total{{code=\"{}\",status=\"{}\"}} {}\n", esc(k.first), k.second, n);
  out += "# HELP tenantsim_tier_requests_total Authenticated requests answered 2xx, by the caller's tier.\n"
         "# TYPE tenantsim_tier_requests_total counter\n";
  for (const auto& [tier, n] : by_tier_) out += fmt::format("tenantsim_tier_requests_total{{tier=\"{}\"}} {}\n", esc(tier), n);
  out += fmt::format(
      "# HELP tenantsim_http_in_flight Requests being handled.\n# TYPE tenantsim_http_in_flight gauge\n"
      "tenantsim_http_in_flight {}\n"
      "# HELP tenantsim_http_open_connections Open client connections.\n# TYPE tenantsim_http_open_connections gauge\n"
      "tenantsim_http_open_connections {}\n"
      "# HELP tenantsim_http_connections_total Connections accepted.\n# TYPE tenantsim_http_connections_total counter\n"
      "tenantsim_http_connections_total {}\n"
      "# HELP tenantsim_http_connections_rejected_total Connections refused at the connection cap.\n"
      "# TYPE tenantsim_http_connections_rejected_total counter\n"
      "tenantsim_http_connections_rejected_total {}\n"
      "# HELP tenantsim_http_timeouts_total Connections closed by a read, idle or write timeout.\n"
      "# TYPE tenantsim_http_timeouts_total counter\n"
      "tenantsim_http_timeouts_total {}\n"
      "# HELP tenantsim_http_malformed_total Requests refused as unparsable or over a size limit.\n"
      "# TYPE tenantsim_http_malformed_total counter\n"
      "tenantsim_http_malformed_total {}\n"
      "# HELP tenantsim_http_handler_exceptions_total Exceptions out of a handler, answered 500 (a bug).\n"
      "# TYPE tenantsim_http_handler_exceptions_total counter\n"
      "tenantsim_http_handler_exceptions_total {}\n",
      server.in_flight.load(), server.open_connections.load(), server.accepted.load(), server.rejected_over_capacity.load(),
      server.timed_out.load(), server.malformed.load(), server.handler_exceptions.load());
  return out;
}

}  // namespace tenantsim::http
