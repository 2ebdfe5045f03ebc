// FakeWeather: OpenWeatherMap's current weather, forecast and alerts for a fixed set of cities,
// with synthetic values that depend only on (city, day), API-key checks (401), a per-key
// calls-per-minute limit (429, the free plan allows 60) and unknown cities (404).
// The ledger counts billable calls per API key and kind.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/ports/clock.h"
#include "core/ports/weather_api.h"

namespace tenantsim {

struct WeatherLedger {
  std::map<std::string, std::map<std::string, int64_t>> calls;  // api key -> kind -> successful calls
  uint64_t rejected = 0;
};

// The rate of the platform's API key in a run, unless a scenario's capacity says otherwise: one
// number for the in-process world, a run linked to `fakes serve`, and `fakes serve` itself.
inline constexpr int kPlatformWeatherCallsPerMinute = 600;

class FakeWeather final : public WeatherApi {
 public:
  // Faults are not the service's: harness/faults/faulty_weather.h puts them at the port.
  explicit FakeWeather(Clock& clock) : clock_(clock) {}

  void add_api_key(const std::string& key, int calls_per_minute = 60);
  bool has_api_key(const std::string& key) const;
  Task<Result<nlohmann::json>> fetch(WeatherQuery query) override;
  WeatherLedger ledger() const;

  static const std::vector<std::string>& cities();
  // The fake's name for `city` (matched without regard to case), or nullopt for a city it does not know.
  static std::optional<std::string> canonical_city(const std::string& city);

 private:
  struct KeyState {
    int limit = 60;
    int64_t minute = -1;
    int calls = 0;
  };
  Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, KeyState> keys_;
  WeatherLedger ledger_;
};

const char* to_string(WeatherKind kind);

}  // namespace tenantsim
