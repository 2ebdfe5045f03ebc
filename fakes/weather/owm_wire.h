// OpenWeatherMap's REST API over the weather fake: `/data/2.5/weather`, `/data/2.5/forecast` and
// `/data/3.0/onecall` (alerts), with `appid`, `q` or `lat`/`lon`, `units`, and the API's own error
// bodies (401, 404, 429). The fake keeps its compact documents; this maps them to the API's shapes,
// so a client written against OpenWeatherMap parses them unchanged. Transport-free.
#pragma once

#include <map>
#include <optional>
#include <variant>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/ports/weather_api.h"

namespace tenantsim::owm_wire {

struct Reply {
  int status = 200;
  nlohmann::json body;
};

// The fake's query for a path and its query parameters, or the API's error reply.
std::variant<WeatherQuery, Reply> parse_request(const std::string& path, const std::map<std::string, std::string>& params);
// The API's answer for the fake's document; `units`: "standard" (Kelvin), "metric" or "imperial".
nlohmann::json to_api(WeatherKind kind, const nlohmann::json& fake_doc, const std::string& units, int64_t now_unix);
// The API's error reply for the port's error.
Reply error_reply(const Error& e);
// `/geo/1.0/direct?q=CITY&limit=N&appid=KEY`: the places the fake knows by that name (an empty
// array for none, as the API answers), or the API's error reply. Not a metered call of the port.
Reply geocode(const std::map<std::string, std::string>& params);

// The other direction, for a client of the real API (harness/aws/real_weather): the port's
// compact document from the API's answer, which a client asks for in metric units. A forecast is
// cut to one sample a day (the first of each day, counted from the answer's first sample) and to
// `days` days; OpenWeatherMap's own forecast is 3-hourly. Alerts come from One Call, which knows
// no city name: `city` is the geocoded name. to_api then from_api gives back the fake's document.
Result<nlohmann::json> from_api(WeatherKind kind, const nlohmann::json& api, int days, const std::string& city);

}  // namespace tenantsim::owm_wire
