// WeatherApi: the OpenWeatherMap calls the weather tools make. Failures mirror the HTTP API:
// 401 invalid API key (kUnauthorized, "InvalidApiKey"), 404 unknown city (kNotFound, "CityNotFound"),
// 429 calls-per-minute exceeded (kTooManyRequests, "RateLimited"), 5xx (kUnavailable).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/base/task.h"

namespace tenantsim {

enum class WeatherKind { kCurrent, kForecast, kAlerts };

struct WeatherQuery {
  std::string api_key;
  std::string city;
  WeatherKind kind = WeatherKind::kCurrent;
  int days = 3;  // forecast only
};

class WeatherApi {
 public:
  WeatherApi() = default;
  WeatherApi(const WeatherApi&) = delete;
  WeatherApi& operator=(const WeatherApi&) = delete;
  virtual ~WeatherApi() = default;

  // The API's JSON document for the query. Each call that returns is one billable API call.
  virtual Task<Result<nlohmann::json>> fetch(WeatherQuery query) = 0;
};

}  // namespace tenantsim
