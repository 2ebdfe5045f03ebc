// ServeMetrics: what `tenantsim serve` exposes at /metrics in Prometheus' text format: requests
// and latency per route pattern, method and status; refusals by reason (the error code); requests
// per tier; in-flight requests and open connections. Labels are bounded (route patterns, error
// codes and tier names, never raw paths or tenant ids), so a scrape stays small at any load.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "harness/http/http_server.h"

namespace tenantsim::http {

class ServeMetrics {
 public:
  // One answered request. `route` is its pattern ("" when none matched), `code` the error code of
  // a refusal ("" on success), `tier` the caller's tier when known.
  void record(const std::string& method, const std::string& route, int status, const std::string& code,
              const std::string& tier, std::chrono::microseconds latency);

  // The exposition text, with the server's connection gauges.
  std::string render(const ServerStats& server) const;

 private:
  // Upper bounds of the latency buckets, in seconds (Prometheus' defaults, plus 25 ms and 25 s).
  static constexpr std::array<double, 13> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1,     2.5,  10,   25};
  struct Histogram {
    std::array<uint64_t, kBounds.size()> buckets{};
    uint64_t count = 0;
    int64_t sum_us = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // (route, method, status)
  std::map<std::pair<std::string, std::string>, Histogram> latency_;        // (route, method)
  std::map<std::pair<std::string, int>, uint64_t> refusals_;                // (code, status)
  std::map<std::string, uint64_t> by_tier_;
};

}  // namespace tenantsim::http
