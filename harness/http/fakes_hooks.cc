// FakesService::hook: the /_fake/ calls a run makes when `fakes serve` is its cloud (see
// fakes_service.h). Apart from the wire APIs: AWS has none of them.
#include <fmt/format.h>

#include "core/base/json_text.h"
#include "harness/http/fakes_service.h"

namespace tenantsim::http {

namespace {

using nlohmann::json;

Response answer(int status, const json& body) { return Response{status, {{"Content-Type", "application/json"}}, to_json_text(body)}; }
Response refuse(const std::string& message) { return answer(400, json{{"message", message}}); }

// A positive integer member of `j`, or the refusal naming it.
std::optional<std::string> positive(const json& j, const std::string& where, int64_t& out) {
  if (!j.is_number_integer() || j.get<int64_t>() < 1) return where + " must be an integer >= 1";
  out = j.get<int64_t>();
  return std::nullopt;
}

}  // namespace

Response FakesService::hook(const Request& req, const std::string& path) {
  const json body = parse_json(req.body);
  if (body.is_discarded() || !body.is_object()) return refuse(path + ": the body must be a JSON object");

  if (path == "/_fake/configure") {
    // Validate everything, then apply: a refused call changes nothing.
    std::optional<bool> follows;
    int64_t rpm = 0, tpm = 0;
    std::map<std::string, int64_t> weather_keys;
    for (const auto& [section, value] : body.items()) {
      if (section == "faults") {
        return refuse("faults: fault plans apply at the caller's own ports (a run's harness/faults/), not in fakes serve");
      } else if (section == "model") {
        for (const auto& [field, v] : value.items()) {
          if (field != "follows_injections" || !v.is_boolean())
            return refuse(fmt::format("model.{}: only follows_injections (a boolean) is applied", field));
          follows = v.get<bool>();
        }
      } else if (section == "capacity") {
        for (const auto& [field, v] : value.items()) {
          int64_t* out = field == "bedrock_requests_per_minute" ? &rpm : field == "bedrock_tokens_per_minute" ? &tpm : nullptr;
          if (!out) return refuse(fmt::format("capacity.{}: not applied over the wire (bedrock_requests_per_minute and "
                                              "bedrock_tokens_per_minute are)", field));
          if (auto bad = positive(v, "capacity." + field, *out)) return refuse(*bad);
        }
      } else if (section == "weather_keys") {
        for (const auto& [key, v] : value.items())
          if (auto bad = positive(v, "weather_keys." + key, weather_keys[key])) return refuse(*bad);
      } else {
        return refuse(fmt::format("{}: unknown section (model, capacity, weather_keys)", section));
      }
    }
    std::lock_guard lock(cloud_mu_);
    if (follows) bedrock_.set_follows_injections(*follows);
    if (rpm || tpm)
      bedrock_.set_quotas(rpm ? rpm : ModelProfile{}.requests_per_minute, tpm ? tpm : ModelProfile{}.tokens_per_minute);
    for (const auto& [key, per_minute] : weather_keys) weather_.add_api_key(key, static_cast<int>(per_minute));
    return answer(200, json{{"configured", body}});
  }

  if (path == "/_fake/cognito/sign") {
    if (!body.contains("pool_id") || !body["pool_id"].is_string()) return refuse("pool_id must be a string");
    if (!body.contains("claims") || !body["claims"].is_object()) return refuse("claims must be an object");
    std::string token;
    {
      std::lock_guard lock(cloud_mu_);
      token = cognito_.sign_claims(body["pool_id"].get<std::string>(), to_json_text(body["claims"]));
    }
    if (token.empty()) return answer(404, json{{"message", fmt::format("no user pool '{}'", body["pool_id"].get<std::string>())}});
    return answer(200, json{{"token", token}});
  }

  if (path == "/_fake/keys") {
    auto keys = parse_access_keys(body, "/_fake/keys");
    if (!keys.ok()) return refuse(keys.error().message);
    std::unique_lock lock(keys_mu_);
    for (auto& [id, key] : *keys) options_.keys[id] = std::move(key);
    return answer(200, json{{"keys", keys->size()}});
  }

  return answer(404, json{{"message", fmt::format("no hook {} (/_fake/configure, /_fake/cognito/sign, /_fake/keys)", path)}});
}

}  // namespace tenantsim::http
