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

}  // namespace tenantsim::owm_wire
