#include "fakes/weather/owm_wire.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include "fakes/weather/fake_weather.h"

namespace tenantsim::owm_wire {

namespace {

using nlohmann::json;

// The fake's cities: where they are (for lat/lon queries, the nearest one answers), and what
// OpenWeatherMap says of them beside the weather: its city id, the country and the zone's standard
// offset from UTC in seconds.
struct Place {
  const char* name;
  double lat, lon;
  const char* country;
  int64_t utc_offset_s;
  int64_t id;
};
constexpr Place kPlaces[] = {
    {"London", 51.51, -0.13, "GB", 0, 2643743},         {"Paris", 48.86, 2.35, "FR", 3600, 2988507},
    {"Tokyo", 35.69, 139.69, "JP", 32400, 1850147},      {"New York", 40.71, -74.01, "US", -18000, 5128581},
    {"Seattle", 47.61, -122.33, "US", -28800, 5809844},  {"Sydney", -33.87, 151.21, "AU", 36000, 2147714},
    {"Berlin", 52.52, 13.41, "DE", 3600, 2950159},       {"Madrid", 40.42, -3.70, "ES", 3600, 3117735},
    {"Toronto", 43.65, -79.38, "CA", -18000, 6167865},   {"Mumbai", 19.08, 72.88, "IN", 19800, 1275339},
    {"Sao Paulo", -23.55, -46.63, "BR", -10800, 3448439}, {"Cairo", 30.04, 31.24, "EG", 7200, 360630},
    {"Singapore", 1.35, 103.82, "SG", 28800, 1880252},   {"Chicago", 41.88, -87.63, "US", -21600, 4887398},
    {"Dublin", 53.35, -6.26, "IE", 0, 2964574},          {"Oslo", 59.91, 10.75, "NO", 3600, 3143244},
};

// Sunrise and sunset (unix seconds) on the UTC day of `now`: six hours either side of the local
// solar noon, which the longitude gives. Not an almanac: a plausible pair in the right order.
std::pair<int64_t, int64_t> sun_times(double lon, int64_t now) {
  const int64_t day = now - ((now % 86400) + 86400) % 86400;
  const int64_t noon = day + 43200 - static_cast<int64_t>(std::llround(lon / 15.0 * 3600.0));
  return {noon - 6 * 3600, noon + 6 * 3600};
}

const Place* place_of(const std::string& city) {
  for (const auto& p : kPlaces)
    if (city == p.name) return &p;
  return nullptr;
}

double temperature(int64_t celsius, const std::string& units) {
  if (units == "metric") return static_cast<double>(celsius);
  if (units == "imperial") return static_cast<double>(celsius) * 9.0 / 5.0 + 32.0;
  return static_cast<double>(celsius) + 273.15;
}

json weather_block(const std::string& description) {
  static const std::map<std::string, std::pair<int, std::string>> kCodes = {
      {"clear sky", {800, "Clear"}},   {"few clouds", {801, "Clouds"}}, {"overcast clouds", {804, "Clouds"}},
      {"light rain", {500, "Rain"}},   {"snow", {600, "Snow"}},         {"mist", {701, "Mist"}}};
  auto it = kCodes.find(description);
  const auto& [id, main] = it == kCodes.end() ? std::pair<int, std::string>{800, "Clear"} : it->second;
  return json::array({{{"id", id}, {"main", main}, {"description", description}, {"icon", "01d"}}});
}

json sample(const json& s, const std::string& units, int64_t dt) {
  const double t = temperature(s.value("temp_c", int64_t{0}), units);
  return {{"dt", dt},
          {"main", {{"temp", t}, {"feels_like", t}, {"temp_min", t}, {"temp_max", t}, {"pressure", 1013},
                    {"humidity", s.value("humidity", 50)}}},
          {"weather", weather_block(s.value("description", "clear sky"))},
          {"wind", {{"speed", s.value("wind_mps", 0)}, {"deg", 0}}}};
}

Reply error(int status, json cod, const std::string& message) { return Reply{status, json{{"cod", std::move(cod)}, {"message", message}}}; }

}  // namespace

std::variant<WeatherQuery, Reply> parse_request(const std::string& path, const std::map<std::string, std::string>& params) {
  WeatherQuery q;
  if (path == "/data/2.5/weather") {
    q.kind = WeatherKind::kCurrent;
  } else if (path == "/data/2.5/forecast") {
    q.kind = WeatherKind::kForecast;
  } else if (path == "/data/3.0/onecall") {
    q.kind = WeatherKind::kAlerts;
  } else {
    return error(404, "404", "Internal error");
  }
  auto appid = params.find("appid");
  if (appid == params.end() || appid->second.empty())
    return error(401, 401, "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.");
  q.api_key = appid->second;
  if (auto city = params.find("q"); city != params.end() && !city->second.empty()) {
    q.city = city->second.substr(0, city->second.find(','));  // "London,uk": the city part
  } else if (params.count("lat") && params.count("lon")) {
    char* end = nullptr;
    const double lat = std::strtod(params.at("lat").c_str(), &end);
    const bool lat_ok = end && *end == '\0';
    const double lon = std::strtod(params.at("lon").c_str(), &end);
    if (!lat_ok || !end || *end != '\0' || std::abs(lat) > 90 || std::abs(lon) > 180) return error(400, "400", "wrong latitude");
    const Place* best = &kPlaces[0];
    for (const auto& p : kPlaces)
      if (std::hypot(p.lat - lat, p.lon - lon) < std::hypot(best->lat - lat, best->lon - lon)) best = &p;
    q.city = best->name;
  } else {
    return error(400, "400", "Nothing to geocode");
  }
  if (auto cnt = params.find("cnt"); cnt != params.end()) q.days = std::clamp(std::atoi(cnt->second.c_str()), 1, 5);
  else q.days = 5;
  return q;
}

json to_api(WeatherKind kind, const json& doc, const std::string& units, int64_t now) {
  const std::string name = doc.value("name", "");
  const Place* p = place_of(name);
  const json coord = {{"lat", p ? p->lat : 0.0}, {"lon", p ? p->lon : 0.0}};
  switch (kind) {
    case WeatherKind::kCurrent: {
      // Every field OpenWeatherMap's current weather carries: clients read sys.country and the
      // sun times (the public sample's weather tool fails without `sys`).
      json out = sample(doc.value("current", json::object()), units, now);
      const auto [sunrise, sunset] = sun_times(p ? p->lon : 0.0, now);
      out["coord"] = coord;
      out["base"] = "stations";
      out["visibility"] = 10000;
      out["clouds"] = {{"all", out["weather"][0]["id"].get<int>() == 800 ? 0 : 75}};
      out["sys"] = {{"country", p ? p->country : ""}, {"sunrise", sunrise}, {"sunset", sunset}};
      out["timezone"] = p ? p->utc_offset_s : 0;
      out["id"] = p ? p->id : 0;
      out["name"] = name;
      out["cod"] = 200;
      return out;
    }
    case WeatherKind::kForecast: {
      json list = json::array();
      for (const auto& s : doc.value("list", json::array()))
        list.push_back(sample(s, units, now + 86400 * s.value("dt_offset_days", int64_t{1})));
      const auto [sunrise, sunset] = sun_times(p ? p->lon : 0.0, now);
      return {{"cod", "200"}, {"message", 0}, {"cnt", list.size()}, {"list", list},
              {"city", {{"id", p ? p->id : 0}, {"name", name}, {"coord", coord}, {"country", p ? p->country : ""},
                        {"timezone", p ? p->utc_offset_s : 0}, {"sunrise", sunrise}, {"sunset", sunset}}}};
    }
    case WeatherKind::kAlerts: {
      json alerts = json::array();
      for (const auto& a : doc.value("alerts", json::array()))
        alerts.push_back({{"sender_name", a.value("sender_name", "")}, {"event", a.value("event", "")}, {"start", now},
                          {"end", now + 6 * 3600}, {"description", a.value("event", "")}, {"tags", json::array({"Wind"})}});
      return {{"lat", coord["lat"]}, {"lon", coord["lon"]}, {"timezone", "UTC"}, {"timezone_offset", 0}, {"alerts", alerts}};
    }
  }
  return json::object();
}

Reply error_reply(const Error& e) {
  if (e.kind == ErrorKind::kUnauthorized)
    return error(401, 401, "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.");
  if (e.kind == ErrorKind::kNotFound) return error(404, "404", "city not found");
  if (e.kind == ErrorKind::kTooManyRequests)
    return error(429, 429, "Your account is temporary blocked due to exceeding of requests limit of your subscription type. "
                           "Please choose the proper subscription https://openweathermap.org/price");
  return error(503, 503, e.message);
}

Reply geocode(const std::map<std::string, std::string>& params) {
  auto appid = params.find("appid");
  if (appid == params.end() || appid->second.empty())
    return error(401, 401, "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.");
  auto q = params.find("q");
  if (q == params.end() || q->second.empty()) return error(400, "400", "Nothing to geocode");
  json places = json::array();
  if (const auto city = FakeWeather::canonical_city(q->second.substr(0, q->second.find(','))))
    if (const Place* p = place_of(*city)) places.push_back({{"name", p->name}, {"lat", p->lat}, {"lon", p->lon}, {"country", p->country}});
  return Reply{200, places};
}

namespace {

Error not_the_api(const std::string& what) {
  return Error::make(ErrorKind::kUnavailable, "UnexpectedAnswer", "the weather API's answer " + what);
}

// One sample of the API (`main`, `weather`, `wind`) as the fake's compact sample.
std::optional<json> compact_sample(const json& s) {
  if (!s.is_object() || !s.contains("main") || !s["main"].is_object() || !s["main"].contains("temp") ||
      !s["main"]["temp"].is_number())
    return std::nullopt;
  json out = {{"temp_c", static_cast<int64_t>(std::llround(s["main"]["temp"].get<double>()))},
              {"humidity", s["main"].value("humidity", 0)},
              {"description", "clear sky"},
              {"wind_mps", 0}};
  if (s.contains("weather") && s["weather"].is_array() && !s["weather"].empty() && s["weather"][0].is_object())
    out["description"] = s["weather"][0].value("description", "clear sky");
  if (s.contains("wind") && s["wind"].is_object() && s["wind"].contains("speed") && s["wind"]["speed"].is_number())
    out["wind_mps"] = static_cast<int64_t>(std::llround(s["wind"]["speed"].get<double>()));
  return out;
}

}  // namespace

Result<json> from_api(WeatherKind kind, const json& api, int days, const std::string& city) {
  if (!api.is_object()) return not_the_api("is not a JSON object");
  switch (kind) {
    case WeatherKind::kCurrent: {
      auto s = compact_sample(api);
      if (!s) return not_the_api("has no main.temp");
      (*s)["dt_offset_days"] = 0;
      return json{{"name", api.value("name", city)}, {"cod", 200}, {"current", *s}};
    }
    case WeatherKind::kForecast: {
      if (!api.contains("list") || !api["list"].is_array()) return not_the_api("has no list");
      json list = json::array();
      int64_t first = -1, last_day = 0;
      for (const auto& entry : api["list"]) {
        if (!entry.is_object() || !entry.contains("dt") || !entry["dt"].is_number_integer()) return not_the_api("has a sample without dt");
        const int64_t dt = entry["dt"].get<int64_t>();
        if (first < 0) first = dt;
        const int64_t day = 1 + (dt - first) / 86400;
        if (day == last_day) continue;
        if (day > days) break;
        auto s = compact_sample(entry);
        if (!s) return not_the_api("has a sample without main.temp");
        (*s)["dt_offset_days"] = day;
        list.push_back(std::move(*s));
        last_day = day;
      }
      std::string name = city;
      if (api.contains("city") && api["city"].is_object()) name = api["city"].value("name", city);
      return json{{"name", name}, {"cod", 200}, {"list", list}};
    }
    case WeatherKind::kAlerts: {
      json alerts = json::array();
      if (api.contains("alerts") && api["alerts"].is_array())
        for (const auto& a : api["alerts"])
          if (a.is_object()) alerts.push_back({{"event", a.value("event", "")}, {"sender_name", a.value("sender_name", "")}});
      return json{{"name", city}, {"cod", 200}, {"alerts", alerts}};
    }
  }
  return not_the_api("is of an unknown kind");
}

}  // namespace tenantsim::owm_wire
