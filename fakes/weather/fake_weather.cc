#include "fakes/weather/fake_weather.h"

#include <algorithm>
#include <cctype>

#include "core/base/rng.h"

namespace tenantsim {

const char* to_string(WeatherKind kind) {
  switch (kind) {
    case WeatherKind::kCurrent: return "current";
    case WeatherKind::kForecast: return "forecast";
    case WeatherKind::kAlerts: return "alerts";
  }
  return "current";
}

const std::vector<std::string>& FakeWeather::cities() {
  static const std::vector<std::string> names = {"London", "Paris", "Tokyo", "New York", "Seattle", "Sydney",
                                                 "Berlin", "Madrid", "Toronto", "Mumbai", "Sao Paulo", "Cairo",
                                                 "Singapore", "Chicago", "Dublin", "Oslo"};
  return names;
}

std::optional<std::string> FakeWeather::canonical_city(const std::string& city) {
  const auto& names = cities();
  auto it = std::find_if(names.begin(), names.end(), [&](const std::string& c) {
    return c.size() == city.size() && std::equal(c.begin(), c.end(), city.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
  });
  if (it == names.end()) return std::nullopt;
  return *it;
}


void FakeWeather::add_api_key(const std::string& key, int calls_per_minute) {
  std::lock_guard lock(mu_);
  keys_[key].limit = calls_per_minute;
}

bool FakeWeather::has_api_key(const std::string& key) const {
  std::lock_guard lock(mu_);
  return keys_.count(key) > 0;
}


WeatherLedger FakeWeather::ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

Task<Result<nlohmann::json>> FakeWeather::fetch(WeatherQuery q) {
  std::lock_guard lock(mu_);
  auto key = keys_.find(q.api_key);
  if (key == keys_.end()) {
    ++ledger_.rejected;
    co_return Error::make(ErrorKind::kUnauthorized, "InvalidApiKey",
                          "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.");
  }
  const int64_t minute = to_unix_seconds(clock_.now()) / 60;
  if (key->second.minute != minute) key->second = KeyState{key->second.limit, minute, 0};
  if (key->second.calls >= key->second.limit) {
    ++ledger_.rejected;
    Error e = Error::make(ErrorKind::kTooManyRequests, "RateLimited", "Your account is temporary blocked due to exceeding of requests limitation");
    e.retry_after = std::chrono::seconds(60 - to_unix_seconds(clock_.now()) % 60);
    co_return e;
  }
  ++key->second.calls;
  const auto city = canonical_city(q.city);
  if (!city) co_return Error::make(ErrorKind::kNotFound, "CityNotFound", "city not found");
  ++ledger_.calls[q.api_key][to_string(q.kind)];

  const int64_t day = to_unix_seconds(clock_.now()) / 86400;
  Rng r(stable_hash(*city) ^ static_cast<uint64_t>(day));
  auto sample = [&r](int64_t d) {
    static const char* kinds[] = {"clear sky", "few clouds", "overcast clouds", "light rain", "snow", "mist"};
    return nlohmann::json{{"dt_offset_days", d}, {"temp_c", r.between(-10, 35)}, {"humidity", r.between(20, 100)},
                          {"description", kinds[r.uniform(6)]}, {"wind_mps", r.between(0, 20)}};
  };
  nlohmann::json out = {{"name", *city}, {"cod", 200}};
  switch (q.kind) {
    case WeatherKind::kCurrent: out["current"] = sample(0); break;
    case WeatherKind::kForecast: {
      const int days = std::clamp(q.days, 1, 5);
      out["list"] = nlohmann::json::array();
      for (int d = 1; d <= days; ++d) out["list"].push_back(sample(d));
      break;
    }
    case WeatherKind::kAlerts:
      out["alerts"] = nlohmann::json::array();
      if (r.chance(0.3)) out["alerts"].push_back({{"event", "Wind advisory"}, {"sender_name", "National Weather Service"}});
      break;
  }
  co_return out;
}

}  // namespace tenantsim
