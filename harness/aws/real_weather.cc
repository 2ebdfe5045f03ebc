#include "harness/aws/real_weather.h"

#include "fakes/weather/owm_wire.h"
#include "fakes/wire/sigv4.h"

namespace tenantsim::aws {

namespace {

// The port's error for an HTTP error of the API (AwsJsonClient names those HttpNNN).
Error port_error(Error e) {
  if (e.name == "Http401") return Error::make(ErrorKind::kUnauthorized, "InvalidApiKey", e.message);
  if (e.name == "Http404") return Error::make(ErrorKind::kNotFound, "CityNotFound", e.message);
  if (e.name == "Http429") {
    Error limited = Error::make(ErrorKind::kTooManyRequests, "RateLimited", e.message);
    limited.retry_after = e.retry_after;
    return limited;
  }
  return e;
}

}  // namespace

Result<nlohmann::json> RealWeather::get_json(const std::string& path, const std::string& query, const std::string& key) {
  auto body = client_->get(path + "?" + query + "&appid=" + wire::uri_encode_component(key));
  if (!body.ok()) return port_error(body.take_error());
  auto j = nlohmann::json::parse(*body, nullptr, false);
  if (j.is_discarded()) return Error::make(ErrorKind::kUnavailable, "UnexpectedAnswer", "the weather API's answer is not JSON");
  return j;
}

Task<Result<nlohmann::json>> RealWeather::fetch(WeatherQuery q) {
  const std::string key = api_key_.empty() ? q.api_key : api_key_;
  const std::string city = "q=" + wire::uri_encode_component(q.city);
  switch (q.kind) {
    case WeatherKind::kCurrent: {
      auto api = get_json("/data/2.5/weather", city + "&units=metric", key);
      if (!api.ok()) co_return api.take_error();
      co_return owm_wire::from_api(q.kind, *api, q.days, q.city);
    }
    case WeatherKind::kForecast: {
      auto api = get_json("/data/2.5/forecast", city + "&units=metric", key);
      if (!api.ok()) co_return api.take_error();
      co_return owm_wire::from_api(q.kind, *api, q.days, q.city);
    }
    case WeatherKind::kAlerts: {
      auto places = get_json("/geo/1.0/direct", city + "&limit=1", key);
      if (!places.ok()) co_return places.take_error();
      if (!places->is_array() || places->empty() || !(*places)[0].is_object() || !(*places)[0].contains("lat") ||
          !(*places)[0].contains("lon"))
        co_return Error::make(ErrorKind::kNotFound, "CityNotFound", "city not found");
      const auto& place = (*places)[0];
      const std::string at = "lat=" + place["lat"].dump() + "&lon=" + place["lon"].dump();
      auto api = get_json("/data/3.0/onecall", at + "&exclude=current,minutely,hourly,daily&units=metric", key);
      if (!api.ok()) co_return api.take_error();
      co_return owm_wire::from_api(q.kind, *api, q.days, place.value("name", q.city));
    }
  }
  co_return Error::make(ErrorKind::kBadRequest, "UnknownKind", "unknown weather kind");
}

}  // namespace tenantsim::aws
