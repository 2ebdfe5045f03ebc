#include "harness/http/fakes_service.h"

#include <boost/crc.hpp>
#include <fmt/format.h>

#include <charconv>
#include <chrono>

#include "core/api/router.h"
#include "core/base/json_text.h"
#include "harness/http/control_secret.h"
#include "fakes/bedrock/converse_wire.h"
#include "fakes/weather/fake_weather.h"
#include "fakes/weather/owm_wire.h"
#include "fakes/wire/event_stream.h"
#include "fakes/wire/sigv4.h"

namespace tenantsim::http {

namespace {

using nlohmann::json;

constexpr std::string_view kDynamoTarget = "DynamoDB_20120810.";
constexpr std::string_view kCognitoTarget = "AWSCognitoIdentityProviderService.";
// AWS refuses a signature whose X-Amz-Date is more than 15 minutes off its clock.
constexpr int64_t kMaxSkewMs = 15 * 60 * 1000;

// The x-amzn-RequestId of the n-th request.
std::string request_id(uint64_t n) { return fmt::format("tenantsim-{:016x}", n); }

Response aws_json(int status, const json& body, const std::string& content_type, uint64_t request_number) {
  Response r;
  r.status = status;
  r.body = to_json_text(body);
  boost::crc_32_type crc;
  crc.process_bytes(r.body.data(), r.body.size());
  r.headers = {{"Content-Type", content_type},
               {"x-amzn-RequestId", request_id(request_number)},
               {"x-amz-crc32", std::to_string(crc.checksum())}};
  return r;
}

Response dynamo_error(const std::string& name, const std::string& message, uint64_t n) {
  return aws_json(400, json{{"__type", dynamo::error_type(name)}, {"message", message}}, "application/x-amz-json-1.0", n);
}

// X-Amz-Date (YYYYMMDDTHHMMSSZ) as milliseconds since the epoch, or -1.
int64_t amz_date_ms(const std::string& s) {
  std::tm tm{};
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return -1;
  if (sscanf(s.c_str(), "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

Result<std::map<std::string, AccessKey>> parse_access_keys(const json& j, const std::string& where) {
  auto bad = [&](const std::string& what) {
    return Error::make(ErrorKind::kBadRequest, "BadKeys", fmt::format("{}: {}", where, what));
  };
  if (!j.is_object()) return bad("must be an object of access key id -> {\"secret\": ..., \"account\": ...}");
  std::map<std::string, AccessKey> keys;
  for (const auto& [id, v] : j.items()) {
    if (id.size() < 16 || id.size() > 128) return bad(fmt::format("access key id '{}' must have 16 to 128 characters", id));
    if (!v.is_object() || !v.contains("secret") || !v["secret"].is_string() || v["secret"].get<std::string>().empty())
      return bad(fmt::format("{}.secret must be a non-empty string", id));
    AccessKey k;
    k.secret = v["secret"].get<std::string>();
    if (v.contains("account")) {
      if (!v["account"].is_string() || v["account"].get<std::string>().size() != 12 ||
          v["account"].get<std::string>().find_first_not_of("0123456789") != std::string::npos)
        return bad(fmt::format("{}.account must be a 12-digit AWS account id", id));
      k.account = v["account"].get<std::string>();
    }
    for (const auto& [field, x] : v.items())
      if (field != "secret" && field != "account") return bad(fmt::format("{}: unknown field '{}'", id, field));
    keys.emplace(id, std::move(k));
  }
  return keys;
}

FakesService::FakesService(FakesServiceOptions options)
    : options_(std::move(options)),
      dynamo_([this] { return now_ms(); }),
      // On the caller's clock the cloud starts at the caller's first time, which may be long ago.
      cloud_clock_(Time{std::chrono::milliseconds(options_.caller_clock ? 0 : now_ms())}),
      bedrock_(cloud_clock_, Rng(options_.seed).split("bedrock")),
      weather_(cloud_clock_),
      cognito_(cloud_clock_, Rng(options_.seed).split("cognito"), CognitoQuotas::with_fresh_keys(!options_.fixture_keys)),
      cognito_api_(cognito_, [this](Task<void> t) { run_on_cloud(std::move(t)); },
                   [this](const std::string& client, const std::string& user) { return cognito_.mailbox(client, user); },
                   Rng(options_.seed).split("cognito-wire"), [this](bool on) { cognito_.set_follow_up(on); },
                   [this](const std::string& client, std::vector<std::string> read) {
                     return cognito_.set_read_attributes(client, std::move(read));
                   }),
      knowledge_api_(knowledge_, [this](Task<void> t) { run_on_cloud(std::move(t)); }, [this] { return now_ms(); }),
      agents_api_(agents_, [this](Task<void> t) { run_on_cloud(std::move(t)); }, [this] { return now_ms(); }) {
  if (options_.weather_keys.empty()) options_.weather_keys["tenantsim-weather-key"] = kPlatformWeatherCallsPerMinute;
  for (const auto& [key, per_minute] : options_.weather_keys) weather_.add_api_key(key, per_minute);
}

int64_t FakesService::now_ms() const {
  const int64_t replaying = replay_time_ms_.load();
  if (replaying >= 0) return replaying;
  if (const int64_t caller = caller_ms_.load(); caller >= 0) return caller;
  return wall_ms();
}

int64_t FakesService::wall_ms() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::string> FakesService::follow_caller_clock(const Request& req) {
  if (!options_.caller_clock) return std::nullopt;
  const std::string& text = req.header("x-tenantsim-clock-ms");
  if (text.empty()) return std::nullopt;
  int64_t ms = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms < 0)
    return fmt::format("{}: '{}' is not milliseconds since the Unix epoch", kCallerClockHeader, text);
  // Never back: concurrent callers each move it forward to their own time.
  int64_t seen = caller_ms_.load();
  while (seen < ms && !caller_ms_.compare_exchange_weak(seen, ms)) {
  }
  return std::nullopt;
}

Result<size_t> FakesService::replay(const std::vector<json>& entries) {
  size_t line = 0;
  for (const auto& e : entries) {
    ++line;
    const std::string service = e.value("service", "");
    if ((service != "dynamodb" && service != "cognito" && service != "knowledge_base" && service != "agents") ||
        !e.contains("request") || !e["t"].is_number_integer())
      return Error::make(ErrorKind::kBadRequest, "StateCorrupt", fmt::format("state entry {} is not a request this server logs", line));
    replay_time_ms_ = e["t"].get<int64_t>();
    int status = 0;
    json body;
    if (service == "dynamodb") {
      dynamo::CallContext ctx{e.value("account", "000000000000"), e.value("region", "us-east-1")};
      const auto reply = dynamo_.call(e.value("op", ""), e["request"], ctx);
      status = reply.status;
      body = reply.body;
    } else if (service == "cognito") {
      const auto reply = cognito_api_.call(e.value("op", ""), e["request"]);
      status = reply.status;
      body = reply.body;
    } else {
      auto& api_call = service == "agents" ? agents_call_ : knowledge_call_;
      const auto reply = api_call(e.value("method", ""), e.value("path", ""), e["request"], e.value("account", "000000000000"),
                                  e.value("region", "us-east-1"));
      status = reply.status;
      body = reply.body;
    }
    replay_time_ms_ = -1;
    if (status != e.value("status", 200))
      return Error::make(ErrorKind::kBadRequest, "StateCorrupt",
                         fmt::format("state entry {} ({} {}) no longer answers as it did: {}", line, service, e.value("op", ""), to_json_text(body)));
  }
  return line;
}

std::optional<FakesService::AuthFailure> FakesService::authenticate(const Request& req, dynamo::CallContext& context) {
  const std::string& header = req.header("authorization");
  if (header.empty()) return AuthFailure{"MissingAuthenticationTokenException", "Request is missing Authentication Token"};
  auto parsed = wire::parse_authorization(header);
  if (const auto* problem = std::get_if<std::string>(&parsed)) return AuthFailure{"IncompleteSignatureException", *problem};
  const auto& auth = std::get<wire::ParsedAuthorization>(parsed);
  context.region = auth.scope.region;
  std::optional<AccessKey> key;
  {
    std::shared_lock lock(keys_mu_);
    if (auto it = options_.keys.find(auth.access_key); it != options_.keys.end()) key = it->second;
  }
  if (key) context.account = key->account;
  if (!options_.verify_sigv4) return std::nullopt;
  if (!key) return AuthFailure{"UnrecognizedClientException", "The security token included in the request is invalid."};
  const std::string& date = req.header("x-amz-date");
  const int64_t signed_at = amz_date_ms(date);
  if (signed_at < 0 || std::llabs(signed_at - wall_ms()) > kMaxSkewMs)
    return AuthFailure{"InvalidSignatureException",
                       fmt::format("Signature expired: {} is now earlier or later than the server's clock by more than 15 minutes", date)};
  const size_t q = req.target.find('?');
  wire::SignableRequest s{req.method, req.target.substr(0, q), q == std::string::npos ? "" : req.target.substr(q + 1),
                          req.headers, req.body};
  const std::string problem = wire::verify(s, auth, key->secret);
  if (!problem.empty()) return AuthFailure{"InvalidSignatureException", problem};
  return std::nullopt;
}

Response FakesService::handle(const Request& req) {
  const std::string& origin = req.header("origin");
  const bool control = req.target.starts_with("/_fake/");
  if (control) {
    // Never to a browser page, never without the server's secret.
    if (auto refused = guard_control(req, options_.control_secret)) return *refused;
  }
  if (req.method == "OPTIONS" && !req.header("access-control-request-method").empty()) {
    Response r{200, {}, ""};
    r.headers.emplace_back("Access-Control-Allow-Origin", origin.empty() ? "*" : origin);
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    const std::string& asked = req.header("access-control-request-headers");
    r.headers.emplace_back("Access-Control-Allow-Headers", asked.empty() ? "Content-Type, X-Amz-Target, Authorization" : asked);
    r.headers.emplace_back("Access-Control-Max-Age", "600");
    r.headers.emplace_back("Vary", "Origin");
    return r;
  }
  if (auto bad = follow_caller_clock(req))
    return Response{400, {{"Content-Type", "application/json"}}, to_json_text(json{{"message", *bad}})};
  Response r;
  try {
    r = dispatch(req);
  } catch (const nlohmann::json::exception& e) {
    // A member of the wrong type (a number where a string belongs, an object in a list of
    // strings): the client's fault, which the AWS JSON protocols answer as a serialization error.
    r = aws_json(400, json{{"__type", "SerializationException"}, {"message", fmt::format("a request member has the wrong type ({})", e.what())}},
                 "application/x-amz-json-1.1", requests_.load());
  }
  if (!origin.empty()) {
    r.headers.emplace_back("Access-Control-Allow-Origin", origin);
    r.headers.emplace_back("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType, x-amz-crc32, Date");
    r.headers.emplace_back("Vary", "Origin");
  }
  return r;
}

Response FakesService::dispatch(const Request& req) {
  const uint64_t n = ++requests_;
  const size_t q = req.target.find('?');
  const std::string path = req.target.substr(0, q);
  if (req.method == "GET" && path == "/_fake/ledger")
    return Response{200, {{"Content-Type", "application/json"}}, to_json_text(ledger())};
  if (req.method == "POST" && path.starts_with("/_fake/")) return hook(req, path);
  if (req.method == "GET" && path == "/health")
    return Response{200, {{"Content-Type", "application/json"}}, to_json_text(json{{"status", "ok"}, {"services", options_.services}})};
  const std::string& target = req.header("x-amz-target");
  if (req.method == "POST" && target.starts_with(kDynamoTarget) && options_.services.count("dynamodb"))
    return dynamodb(req, target.substr(kDynamoTarget.size()));
  if (req.method == "POST" && target.starts_with(kCognitoTarget) && options_.services.count("cognito"))
    return cognito(req, target.substr(kCognitoTarget.size()));
  if (req.method == "GET" && options_.services.count("cognito")) {
    // /{poolId}/.well-known/{jwks.json|openid-configuration}, and the stand-in for the e-mail.
    constexpr std::string_view kWellKnown = "/.well-known/";
    if (const size_t at = path.find(kWellKnown); at != std::string::npos && at > 1) {
      const std::string document = path.substr(at + kWellKnown.size());
      if (document == "jwks.json" || document == "openid-configuration") {
        const auto r = cognito_api_.well_known(path.substr(1, at - 1), document, "http://" + req.header("host"));
        return Response{r.status, {{"Content-Type", "application/json"}}, to_json_text(r.body)};
      }
    }
    if (path == "/_fake/cognito/confirmation-code") {
      const auto params = parse_query(q == std::string::npos ? "" : req.target.substr(q + 1));
      auto c = params.find("client_id"), u = params.find("username");
      const std::string code = c == params.end() || u == params.end() ? "" : cognito_api_.confirmation_code(c->second, u->second);
      if (code.empty()) return Response{404, {{"Content-Type", "application/json"}}, to_json_text(json{{"message", "no code was sent"}})};
      return Response{200, {{"Content-Type", "application/json"}}, to_json_text(json{{"code", code}})};
    }
    if (path == "/_fake/cognito/temporary-password") {
      const auto params = parse_query(q == std::string::npos ? "" : req.target.substr(q + 1));
      auto p = params.find("user_pool_id"), u = params.find("username");
      const std::string password =
          p == params.end() || u == params.end() ? "" : cognito_api_.temporary_password(p->second, u->second);
      if (password.empty())
        return Response{404, {{"Content-Type", "application/json"}},
                        to_json_text(json{{"message", "no temporary password was generated for that user"}})};
      return Response{200, {{"Content-Type", "application/json"}}, to_json_text(json{{"temporary_password", password}})};
    }
  }
  if (kb_wire::KnowledgeBaseApi::serves(path) && options_.services.count("bedrock"))
    return rest_json_service(req, path, "knowledge_base", knowledge_call_);
  if (agents_wire::AgentsApi::serves(path) && options_.services.count("bedrock")) {
    // Path parameters arrive percent-encoded (a session id's ':' as %3A); none holds a '/'.
    const std::string decoded = percent_decode(path, false);
    if (agents_wire::AgentsApi::is_invoke(req.method, decoded)) return invoke_agent(req, decoded);
    return rest_json_service(req, decoded, "agents", agents_call_);
  }
  if (req.method == "POST" && path.starts_with("/model/") && options_.services.count("bedrock")) {
    // /model/{modelId}/{converse|invoke}; the id is percent-encoded (':' as %3A).
    const size_t slash = path.rfind('/');
    return bedrock(req, path.substr(7, slash > 7 ? slash - 7 : 0), path.substr(slash + 1));
  }
  if (req.method == "GET" && (path.starts_with("/data/") || path == "/geo/1.0/direct") && options_.services.count("weather"))
    return weather(req, path, q == std::string::npos ? "" : req.target.substr(q + 1));
  // An AWS JSON call without its operation is the caller's error, answered as the services do
  // (400 UnknownOperationException), not a missing resource.
  if (req.method == "POST" && path == "/" && target.empty())
    return aws_json(400, json{{"__type", "com.amazon.coral.service#UnknownOperationException"},
                              {"message", "the request has no X-Amz-Target header naming its operation"}},
                    "application/x-amz-json-1.1", n);
  if (req.method == "POST" && !target.empty())
    return aws_json(400, json{{"__type", "com.amazon.coral.service#UnknownOperationException"},
                              {"message", fmt::format("no fake serves X-Amz-Target {} here", target)}},
                    "application/x-amz-json-1.1", n);
  return Response{404, {{"Content-Type", "application/json"}},
                  to_json_text(json{{"message", fmt::format("no fake serves {} {} (services: {})", req.method, path,
                                                            fmt::join(options_.services, ","))}})};
}

std::optional<std::string> FakesService::apply_logged(const std::function<void()>& apply,
                                                      const std::function<std::optional<json>()>& entry_of) {
  if (!options_.log) {
    apply();
    return std::nullopt;
  }
  // Apply and log under one lock, so the log's order is the order the state saw.
  std::lock_guard lock(log_mu_);
  if (log_failed_) return "the state log could not be written; restart the server from its state";
  const int64_t t = now_ms();
  replay_time_ms_ = t;  // the call and its log entry see one time
  {
    // Back to the live clock however apply() ends (a malformed member throws out of it).
    struct Unfreeze {
      std::atomic<int64_t>& at;
      ~Unfreeze() { at = -1; }
    } unfreeze{replay_time_ms_};
    apply();
  }
  std::optional<json> entry = entry_of();
  if (!entry) return std::nullopt;
  (*entry)["t"] = t;
  if (auto st = options_.log->append(*entry); !st.ok()) {
    // The state is now ahead of its log: answer nothing more rather than lose it on a restart.
    log_failed_ = true;
    return st.error().message;
  }
  return std::nullopt;
}

Response FakesService::dynamodb(const Request& req, const std::string& operation) {
  const uint64_t n = requests_.load();
  dynamo::CallContext context;
  if (auto refused = authenticate(req, context)) return dynamo_error(refused->name, refused->message, n);
  bool too_deep = false;
  const json body = parse_json(req.body, kMaxJsonDepth, &too_deep);
  if (too_deep) return dynamo_error("ValidationException", "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit", n);
  if (body.is_discarded()) return dynamo_error("SerializationException", "the request body is not JSON", n);
  dynamo::ApiReply reply;
  const auto unlogged = apply_logged([&] { reply = dynamo_.call(operation, body, context); },
                                     [&]() -> std::optional<json> {
                                       if (!reply.mutated) return std::nullopt;
                                       return json{{"service", "dynamodb"}, {"op", operation}, {"account", context.account},
                                                   {"region", context.region}, {"request", body}};
                                     });
  if (unlogged)
    return aws_json(500, json{{"__type", dynamo::error_type("InternalServerError")}, {"message", *unlogged}},
                    "application/x-amz-json-1.0", n);
  return aws_json(reply.status, reply.body, "application/x-amz-json-1.0", n);
}

namespace {

// REST JSON errors, as Bedrock sends them: the status, x-amzn-ErrorType and {"message"}.
Response rest_error(const std::string& name, const std::string& message, uint64_t n) {
  Response r = aws_json(bedrock_wire::http_status(name), json{{"message", message}}, "application/json", n);
  r.headers.emplace_back("x-amzn-ErrorType", name + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
  return r;
}

}  // namespace

Response FakesService::bedrock(const Request& req, const std::string& raw_model_id, const std::string& action) {
  const uint64_t n = requests_.load();
  dynamo::CallContext context;
  if (auto refused = authenticate(req, context)) return rest_error(refused->name, refused->message, n);
  const std::string model_id = percent_decode(raw_model_id, false);
  if (action != "converse" && action != "converse-stream" && action != "invoke")
    return rest_error("UnknownOperationException", "this fake serves /model/{modelId}/converse, /converse-stream and /invoke", n);
  const json body = parse_json(req.body);
  if (body.is_discarded()) return rest_error("ValidationException", "Malformed input request, please reformat your input and try again.", n);
  auto parsed = action != "invoke" ? bedrock_wire::parse_converse(body, model_id) : bedrock_wire::parse_anthropic_invoke(body, model_id);
  if (!parsed.ok()) return rest_error(parsed.error().name, parsed.error().message, n);
  parsed->account = context.account;
  const auto started = std::chrono::steady_clock::now();
  std::optional<Result<ConverseResponse>> out;
  auto call = [](FakeBedrock& fake, ConverseRequest r, std::optional<Result<ConverseResponse>>* o) -> Task<void> {
    o->emplace(co_await fake.converse(std::move(r)));
  };
  run_on_cloud(call(bedrock_, std::move(*parsed), &out));
  if (!out) return rest_error("InternalServerException", "the call did not complete", n);
  if (!out->ok()) {
    Response r = rest_error(out->error().name, out->error().message, n);
    if (out->error().retry_after) r.headers.emplace_back("Retry-After", std::to_string(out->error().retry_after->count()));
    return r;
  }
  const int64_t latency =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  const ConverseResponse& answer = out->value();
  if (action == "converse") return aws_json(200, bedrock_wire::converse_json(answer, latency), "application/json", n);
  if (action == "converse-stream") {
    // The whole stream in one body: the fake answers at once, and a client reads the frames as
    // they come either way. A failure before the first event is a plain REST error, as above.
    std::string stream;
    for (const auto& [type, payload] : bedrock_wire::converse_stream_events(answer, latency))
      stream += wire::encode_event(wire::json_event(type, to_json_text(payload)));
    return Response{200, {{"Content-Type", "application/vnd.amazon.eventstream"}, {"x-amzn-RequestId", request_id(n)}}, stream};
  }
  Response r = aws_json(200, bedrock_wire::anthropic_json(answer, model_id, fmt::format("msg_tenantsim_{:016x}", n)),
                        "application/json", n);
  r.headers.emplace_back("X-Amzn-Bedrock-Input-Token-Count", std::to_string(answer.usage.input_tokens));
  r.headers.emplace_back("X-Amzn-Bedrock-Output-Token-Count", std::to_string(answer.usage.output_tokens));
  return r;
}

Response FakesService::weather(const Request& req, const std::string& path, const std::string& query) {
  (void)req;
  const auto params = parse_query(query);
  auto reply_of = [](const owm_wire::Reply& r) {
    return Response{r.status, {{"Content-Type", "application/json; charset=utf-8"}}, to_json_text(r.body)};
  };
  if (path == "/geo/1.0/direct") {
    auto appid = params.find("appid");
    if (appid != params.end() && !weather_.has_api_key(appid->second))
      return reply_of(owm_wire::error_reply(Error::make(ErrorKind::kUnauthorized, "InvalidApiKey", "")));
    return reply_of(owm_wire::geocode(params));
  }
  auto parsed = owm_wire::parse_request(path, params);
  if (const auto* refused = std::get_if<owm_wire::Reply>(&parsed)) return reply_of(*refused);
  const WeatherQuery q = std::get<WeatherQuery>(parsed);
  std::optional<Result<json>> out;
  auto call = [](FakeWeather& fake, WeatherQuery wq, std::optional<Result<json>>* o) -> Task<void> {
    o->emplace(co_await fake.fetch(std::move(wq)));
  };
  run_on_cloud(call(weather_, q, &out));
  if (!out) return reply_of(owm_wire::error_reply(Error::make(ErrorKind::kUnavailable, "NotRun", "the call did not complete")));
  if (!out->ok()) return reply_of(owm_wire::error_reply(out->error()));
  auto units = params.find("units");
  return reply_of({200, owm_wire::to_api(q.kind, out->value(), units == params.end() ? "standard" : units->second, now_ms() / 1000)});
}

Response FakesService::rest_json_service(const Request& req, const std::string& path, const std::string& service,
                                         const RestCall& call) {
  const uint64_t n = requests_.load();
  dynamo::CallContext context;
  if (auto refused = authenticate(req, context)) return rest_error(refused->name, refused->message, n);
  const json body = req.body.empty() ? json::object() : parse_json(req.body);
  if (body.is_discarded()) return rest_error("ValidationException", "the request body is not JSON", n);
  auto answer = [n](const rest_json::Reply& reply) {
    return reply.error.empty() ? aws_json(reply.status, reply.body, "application/json", n)
                               : rest_error(reply.error, reply.body.value("message", ""), n);
  };
  rest_json::Reply reply;
  const auto unlogged = apply_logged([&] { reply = call(req.method, path, body, context.account, context.region); },
                                     [&]() -> std::optional<json> {
                                       if (!reply.mutated) return std::nullopt;
                                       return json{{"service", service}, {"method", req.method}, {"path", path},
                                                   {"account", context.account}, {"region", context.region},
                                                   {"status", reply.status}, {"request", body}};
                                     });
  if (unlogged) return rest_error("InternalServerException", *unlogged, n);
  return answer(reply);
}

Response FakesService::invoke_agent(const Request& req, const std::string& path) {
  const uint64_t n = requests_.load();
  dynamo::CallContext context;
  if (auto refused = authenticate(req, context)) return rest_error(refused->name, refused->message, n);
  const json body = req.body.empty() ? json::object() : parse_json(req.body);
  if (body.is_discarded()) return rest_error("ValidationException", "the request body is not JSON", n);
  const auto reply = agents_api_.invoke(path, body, context.account);
  if (reply.error) return rest_error(reply.error->error, reply.error->body.value("message", ""), n);
  // The whole stream in one body, as for ConverseStream: the fake answers at once.
  std::string stream;
  for (const auto& [type, payload] : reply.events) {
    const bool exception = type != "chunk" && type != "trace" && type != "returnControl";
    wire::EventMessage m = wire::json_event(type, to_json_text(payload));
    if (exception)
      m.headers = {{":message-type", "exception"}, {":exception-type", type}, {":content-type", "application/json"}};
    stream += wire::encode_event(m);
  }
  return Response{200,
                  {{"Content-Type", "application/vnd.amazon.eventstream"},
                   {"x-amzn-RequestId", request_id(n)},
                   {"x-amzn-bedrock-agent-content-type", "application/json"},
                   {"x-amz-bedrock-agent-session-id", reply.session_id}},
                  stream};
}

json FakesService::ledger() {
  auto usage_json = [](const BedrockUsage& u) {
    return json{{"invocations", u.invocations}, {"input_tokens", u.input_tokens}, {"output_tokens", u.output_tokens}};
  };
  const BedrockLedger model = bedrock_.ledger();
  json by_account = json::array(), by_tenant = json::array(), by_user = json::array();
  for (const auto& [key, u] : model.by_account_model) {
    json row = usage_json(u);
    row["account"] = key.first;
    row["model"] = key.second;
    by_account.push_back(std::move(row));
  }
  for (const auto& [tenant, models] : model.by_tenant_tag)
    for (const auto& [model_id, u] : models) {
      json row = usage_json(u);
      row["tenant_id"] = tenant;
      row["model"] = model_id;
      by_tenant.push_back(std::move(row));
    }
  for (const auto& [key, models] : model.by_user_tag)
    for (const auto& [model_id, u] : models) {
      json row = usage_json(u);
      row["tenant_id"] = key.first;
      row["user_id"] = key.second;
      row["model"] = model_id;
      by_user.push_back(std::move(row));
    }
  const CognitoLedger idp = cognito_.ledger();
  json monthly = json::array();
  for (const auto& [month, pools] : idp.active_users_by_month)
    for (const auto& [pool, users] : pools) monthly.push_back({{"month", month}, {"pool_id", pool}, {"active_users", users.size()}});
  const WeatherLedger weather = weather_.ledger();
  const KnowledgeBaseLedger kb = knowledge_.ledger();
  json retrievals = json::array(), returned = json::array();
  for (const auto& [key, u] : kb.by_filter)
    retrievals.push_back({{"knowledge_base_id", key.first}, {"knowledge_base_name", knowledge_api_.name_of(key.first)},
                          {"filter_tenant_id", key.second}, {"retrievals", u.retrievals}, {"query_tokens", u.query_tokens}});
  for (const auto& [key, n] : kb.returned)
    returned.push_back({{"knowledge_base_id", std::get<0>(key)}, {"filter_tenant_id", std::get<1>(key)},
                        {"owner_tenant_id", std::get<2>(key)}, {"documents", n}});
  const AgentsLedger agents = agents_.ledger();
  json invocations = json::array();
  for (const auto& [key, n] : agents.invocations)
    invocations.push_back({{"agent_id", key.first}, {"agent_name", agents_api_.name_of(key.first)}, {"tenant_id", key.second},
                           {"invocations", n}});
  return json{{"bedrock", {{"by_account_model", by_account}, {"by_tenant_tag", by_tenant}, {"by_user_tag", by_user},
                           {"throttled", model.throttled}}},
              {"cognito", {{"requests_by_operation", idp.requests_by_operation}, {"monthly_active_users", monthly},
                           {"throttled", idp.throttled}}},
              {"weather", {{"calls", weather.calls}, {"rejected", weather.rejected}}},
              {"knowledge_bases", {{"retrievals", retrievals}, {"returned", returned}}},
              {"agents", {{"invocations", invocations}}}};
}

void FakesService::run_on_cloud(Task<void> t) {
  std::lock_guard lock(cloud_mu_);
  const Time at{std::chrono::milliseconds(now_ms())};
  if (options_.caller_clock && caller_ms_.load() >= 0) cloud_clock_.rewind_to(at);  // the call's own time
  else if (at > cloud_clock_.now()) cloud_clock_.advance_to(at);
  spawn(std::move(t));
  cloud_clock_.run();
}

Response FakesService::cognito(const Request& req, const std::string& operation) {
  const uint64_t n = requests_.load();
  auto json11 = [n](int status, const json& body) { return aws_json(status, body, "application/x-amz-json-1.1", n); };
  if (!cognito_wire::CognitoApi::unsigned_operation(operation)) {
    dynamo::CallContext context;
    if (auto refused = authenticate(req, context))
      return json11(refused->name == "MissingAuthenticationTokenException" ? 400 : 403,
                    json{{"__type", refused->name}, {"message", refused->message}});
  }
  const json body = parse_json(req.body);
  if (body.is_discarded()) return json11(400, json{{"__type", "SerializationException"}, {"message", "the request body is not JSON"}});
  // Every call is logged, failures too, with its status: the fake draws its ids, codes and keys from
  // one seeded sequence, so the replay must make exactly the calls that were made to rebuild them.
  cognito_wire::Reply reply;
  const auto unlogged = apply_logged([&] { reply = cognito_api_.call(operation, body); },
                                     [&]() -> std::optional<json> {
                                       return json{{"service", "cognito"}, {"op", operation}, {"status", reply.status}, {"request", body}};
                                     });
  if (unlogged) return json11(500, json{{"__type", "InternalErrorException"}, {"message", *unlogged}});
  return json11(reply.status, reply.body);
}

}  // namespace tenantsim::http
