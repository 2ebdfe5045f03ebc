#include "harness/faults/faulty_weather.h"

namespace tenantsim {

Task<Result<nlohmann::json>> FaultyWeatherApi::fetch(WeatherQuery query) {
  if (auto e = co_await pass(1, "ServiceUnavailable")) co_return *e;
  co_return co_await inner_.fetch(std::move(query));
}

}  // namespace tenantsim
