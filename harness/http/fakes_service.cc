#include "harness/http/fakes_service.h"

#include <boost/crc.hpp>
#include <fmt/format.h>

#include <chrono>

#include "fakes/wire/sigv4.h"

namespace tenantsim::http {

namespace {

using nlohmann::json;

constexpr std::string_view kDynamoTarget = "DynamoDB_20120810.";
// AWS refuses a signature whose X-Amz-Date is more than 15 minutes off its clock.
constexpr int64_t kMaxSkewMs = 15 * 60 * 1000;

Response aws_json(int status, const json& body, const std::string& content_type, uint64_t request_number) {
  Response r;
  r.status = status;
  r.body = body.dump();
  boost::crc_32_type crc;
  crc.process_bytes(r.body.data(), r.body.size());
  r.headers = {{"Content-Type", content_type},
               {"x-amzn-RequestId", fmt::format("tenantsim-{:016x}", request_number)},
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
    : options_(std::move(options)), dynamo_([this] { return now_ms(); }) {}

int64_t FakesService::now_ms() const {
  const int64_t replaying = replay_time_ms_.load();
  if (replaying >= 0) return replaying;
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<size_t> FakesService::replay(const std::vector<json>& entries) {
  size_t line = 0;
  for (const auto& e : entries) {
    ++line;
    if (e.value("service", "") != "dynamodb" || !e.contains("request") || !e["t"].is_number_integer())
      return Error::make(ErrorKind::kBadRequest, "StateCorrupt", fmt::format("state entry {} is not a DynamoDB request", line));
    replay_time_ms_ = e["t"].get<int64_t>();
    dynamo::CallContext ctx{e.value("account", "000000000000"), e.value("region", "us-east-1")};
    const auto reply = dynamo_.call(e.value("op", ""), e["request"], ctx);
    replay_time_ms_ = -1;
    if (reply.status != 200)
      return Error::make(ErrorKind::kBadRequest, "StateCorrupt",
                         fmt::format("state entry {} ({}) no longer applies: {}", line, e.value("op", ""), reply.body.dump()));
  }
  return line;
}

std::optional<Response> FakesService::authenticate(const Request& req, dynamo::CallContext& context) {
  const uint64_t n = requests_.load();
  const std::string& header = req.header("authorization");
  if (header.empty()) return dynamo_error("MissingAuthenticationTokenException", "Request is missing Authentication Token", n);
  auto parsed = wire::parse_authorization(header);
  if (const auto* problem = std::get_if<std::string>(&parsed)) return dynamo_error("IncompleteSignatureException", *problem, n);
  const auto& auth = std::get<wire::ParsedAuthorization>(parsed);
  context.region = auth.scope.region;
  auto key = options_.keys.find(auth.access_key);
  if (key != options_.keys.end()) context.account = key->second.account;
  if (!options_.verify_sigv4) return std::nullopt;
  if (key == options_.keys.end())
    return dynamo_error("UnrecognizedClientException", "The security token included in the request is invalid.", n);
  const std::string& date = req.header("x-amz-date");
  const int64_t signed_at = amz_date_ms(date);
  if (signed_at < 0 || std::llabs(signed_at - now_ms()) > kMaxSkewMs)
    return dynamo_error("InvalidSignatureException",
                        fmt::format("Signature expired: {} is now earlier or later than the server's clock by more than 15 minutes", date), n);
  const size_t q = req.target.find('?');
  wire::SignableRequest s{req.method, req.target.substr(0, q), q == std::string::npos ? "" : req.target.substr(q + 1),
                          req.headers, req.body};
  const std::string problem = wire::verify(s, auth, key->second.secret);
  if (!problem.empty()) return dynamo_error("InvalidSignatureException", problem, n);
  return std::nullopt;
}

Response FakesService::handle(const Request& req) {
  const uint64_t n = ++requests_;
  const size_t q = req.target.find('?');
  const std::string path = req.target.substr(0, q);
  if (req.method == "GET" && path == "/health")
    return Response{200, {{"Content-Type", "application/json"}}, json{{"status", "ok"}, {"services", options_.services}}.dump()};
  const std::string& target = req.header("x-amz-target");
  if (req.method == "POST" && target.starts_with(kDynamoTarget) && options_.services.count("dynamodb"))
    return dynamodb(req, target.substr(kDynamoTarget.size()));
  if (req.method == "POST" && !target.empty())
    return aws_json(400, json{{"__type", "com.amazon.coral.service#UnknownOperationException"},
                              {"message", fmt::format("no fake serves X-Amz-Target {} here", target)}},
                    "application/x-amz-json-1.1", n);
  return Response{404, {{"Content-Type", "application/json"}},
                  json{{"message", fmt::format("no fake serves {} {} (services: {})", req.method, path,
                                               fmt::join(options_.services, ","))}}
                      .dump()};
}

Response FakesService::dynamodb(const Request& req, const std::string& operation) {
  const uint64_t n = requests_.load();
  dynamo::CallContext context;
  if (auto refused = authenticate(req, context)) return std::move(*refused);
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return dynamo_error("SerializationException", "the request body is not JSON", n);
  if (!options_.log) {
    const auto reply = dynamo_.call(operation, body, context);
    return aws_json(reply.status, reply.body, "application/x-amz-json-1.0", n);
  }
  // Apply and log under one lock, so the log's order is the order the state saw.
  std::lock_guard lock(log_mu_);
  if (log_failed_)
    return aws_json(500, json{{"__type", dynamo::error_type("InternalServerError")},
                              {"message", "the state log could not be written; restart the server from its state"}},
                    "application/x-amz-json-1.0", n);
  const int64_t t = now_ms();
  replay_time_ms_ = t;  // the call and its log entry see one time
  const auto reply = dynamo_.call(operation, body, context);
  replay_time_ms_ = -1;
  if (reply.mutated) {
    const json entry = {{"service", "dynamodb"}, {"op", operation}, {"account", context.account},
                        {"region", context.region}, {"t", t}, {"request", body}};
    if (auto st = options_.log->append(entry); !st.ok()) {
      // The state is now ahead of its log: answer nothing more rather than lose it on a restart.
      log_failed_ = true;
      return aws_json(500, json{{"__type", dynamo::error_type("InternalServerError")}, {"message", st.error().message}},
                      "application/x-amz-json-1.0", n);
    }
  }
  return aws_json(reply.status, reply.body, "application/x-amz-json-1.0", n);
}

}  // namespace tenantsim::http
