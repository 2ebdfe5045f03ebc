// RealWeather: core's WeatherApi port over OpenWeatherMap's REST API, through AwsJsonClient's
// unsigned GET (connection reuse, timeouts, retries with full-jitter backoff on 5xx): against
// api.openweathermap.org, or `tenantsim fakes serve`.
//
//  - current and forecast by city name (`q=`), in metric units;
//  - alerts from One Call 3.0, which takes only coordinates: the city is geocoded first
//    (`/geo/1.0/direct`), an unknown city is CityNotFound as the port says;
//  - the answer is the port's compact document (owm_wire::from_api), so the model sees the same
//    tool result whichever backend answered;
//  - the API's 401/404/429 become the port's InvalidApiKey/CityNotFound/RateLimited.
//
// The key is the query's (the system's configured key), unless `api_key` overrides it: a real
// key is a secret for the environment (OPENWEATHERMAP_API_KEY), not for a scenario file.
#pragma once

#include <memory>
#include <string>

#include "core/ports/weather_api.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

class RealWeather final : public WeatherApi {
 public:
  RealWeather(std::shared_ptr<AwsJsonClient> client, std::string api_key = "")
      : client_(std::move(client)), api_key_(std::move(api_key)) {}

  Task<Result<nlohmann::json>> fetch(WeatherQuery query) override;

 private:
  // GET path?query&appid=KEY as JSON, with the API's errors named as the port names them.
  Result<nlohmann::json> get_json(const std::string& path, const std::string& query, const std::string& key);

  std::shared_ptr<AwsJsonClient> client_;
  std::string api_key_;
};

}  // namespace tenantsim::aws
