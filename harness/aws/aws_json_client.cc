#include "harness/aws/aws_json_client.h"

#include "harness/http/control_secret.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

namespace tenantsim::aws {

namespace {

// curl_global_init is not thread-safe: once per process, before the first handle.
void init_curl_once() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

size_t collect_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Keeps the headers a retry decision needs (Retry-After, x-amzn-ErrorType) in the Attempt.
template <class AttemptT>
size_t collect_header(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  std::string lower = line;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto value = [&](size_t from) {
    std::string v = line.substr(from);
    v.erase(0, v.find_first_not_of(" \t"));
    v.erase(v.find_last_not_of(" \t\r\n") + 1);
    return v;
  };
  auto* a = static_cast<AttemptT*>(out);
  if (lower.starts_with("retry-after:")) a->retry_after = value(12);
  if (lower.starts_with("x-amzn-errortype:")) a->error_type = value(17);
  return size * n;
}

std::string amz_date_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// "http://host:port/path" -> host:port and path.
std::pair<std::string, std::string> split_url(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t slash = url.find('/', start);
  if (slash == std::string::npos) return {url.substr(start), "/"};
  return {url.substr(start, slash - start), url.substr(slash)};
}

bool retryable(const std::string& name, int status) {
  static const char* kThrottles[] = {"ProvisionedThroughputExceededException", "ThrottlingException",
                                     "RequestLimitExceeded", "TooManyRequestsException", "Throttling",
                                     "ThrottledException", "LimitExceededException", "InternalServerError",
                                     "ServiceUnavailable", "TransactionInProgressException"};
  if (status == 0 || status == 429 || status >= 500) return true;
  return std::find(std::begin(kThrottles), std::end(kThrottles), name) != std::end(kThrottles);
}

Result<nlohmann::json> parse_json(std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error::make(ErrorKind::kUnavailable, "SerializationException", "the answer is not JSON");
  return j;
}

}  // namespace

ErrorKind error_kind(const std::string& name, int status) {
  if (status == 0 || status >= 500) return ErrorKind::kUnavailable;
  if (status == 429 || name == "ProvisionedThroughputExceededException" || name == "ThrottlingException" ||
      name == "RequestLimitExceeded" || name == "TooManyRequestsException" || name == "LimitExceededException")
    return ErrorKind::kTooManyRequests;
  if (name == "ConditionalCheckFailedException" || name == "TransactionCanceledException" ||
      name == "ResourceInUseException" || name == "UsernameExistsException" || name == "TransactionConflictException" ||
      name == "GroupExistsException" || name == "ConflictException" || status == 409)
    return ErrorKind::kConflict;
  if (name == "ResourceNotFoundException" || name == "UserNotFoundException") return ErrorKind::kNotFound;
  if (name == "AccessDeniedException" || name == "UserNotConfirmedException") return ErrorKind::kForbidden;
  if (name == "UnrecognizedClientException" || name == "InvalidSignatureException" ||
      name == "MissingAuthenticationTokenException" || name == "NotAuthorizedException" ||
      name == "ExpiredTokenException" || name == "IncompleteSignatureException")
    return ErrorKind::kUnauthorized;
  return ErrorKind::kBadRequest;
}

AwsJsonClient::AwsJsonClient(EndpointConfig config, Rng rng, std::function<void(int64_t)> sleep_ms)
    : config_(std::move(config)), rng_(rng), sleep_ms_(std::move(sleep_ms)) {
  init_curl_once();
  std::tie(host_, path_) = split_url(config_.url);
  if (!sleep_ms_) sleep_ms_ = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  curl_ = curl_easy_init();
}

AwsJsonClient::~AwsJsonClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

uint64_t AwsJsonClient::attempts() const {
  std::lock_guard lock(mu_);
  return attempts_;
}


AwsJsonClient::Attempt AwsJsonClient::send(const std::string& method, const std::string& path, const wire::Headers& headers,
                                            const std::string& body) {
  CURL* curl = static_cast<CURL*>(curl_);
  Attempt a;
  if (!curl) {
    a.transport_error = "libcurl could not create a handle";
    return a;
  }
  const size_t scheme = config_.url.find("://");
  const std::string url = config_.url.substr(0, scheme == std::string::npos ? 0 : scheme + 3) + host_ + path;
  curl_slist* list = nullptr;
  const bool with_body = method != "GET";
  if (with_body) {
    const std::string amz_date = amz_date_now();
    wire::SignableRequest req{method, path.substr(0, path.find('?')), "", headers, body};
    req.headers.emplace_back("host", host_);
    const wire::SigV4Scope scope{amz_date.substr(0, 8), config_.region, config_.service};
    const auto added = wire::sign(req, config_.credentials, scope, amz_date);
    for (const auto& [k, v] : req.headers)
      if (k != "host") list = curl_slist_append(list, (k + ": " + v).c_str());
    for (const auto& [k, v] : added) list = curl_slist_append(list, (k + ": " + v).c_str());
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  }
  // Not signed: AWS would ignore it, and only `fakes serve` reads it.
  if (const int64_t ms = config_.caller_clock_ms ? config_.caller_clock_ms() : -1; ms >= 0)
    list = curl_slist_append(list, fmt::format("X-Tenantsim-Clock-Ms: {}", ms).c_str());
  // fakes serve's control endpoints want its secret (harness/http/control_secret.h); no AWS path
  // starts so, so no secret ever goes to AWS.
  if (path.starts_with("/_fake/")) {
    if (control_secret_.empty()) control_secret_ = http::control_secret_for(config_.url);
    list = curl_slist_append(list, fmt::format("X-Tenantsim-Control-Secret: {}", control_secret_).c_str());
  }
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (with_body) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  if (list) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header<Attempt>);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.request_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // an endpoint is reached directly, never via a proxy
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    a.transport_error = fmt::format("{}: {}", url, curl_easy_strerror(rc));
    return a;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  a.status = static_cast<int>(status);
  return a;
}

template <class T>
Result<T> AwsJsonClient::with_retries(const std::function<Attempt()>& attempt_once,
                                      const std::function<Result<T>(std::string&)>& parse) {
  std::lock_guard lock(mu_);
  Error last = Error::make(ErrorKind::kUnavailable, "NoAttempt", "no attempt was made");
  for (int attempt = 0; attempt < std::max(1, config_.max_attempts); ++attempt) {
    if (attempt > 0) {
      // Full jitter (AWS's advice): a uniform wait up to the exponential ceiling, so clients that
      // failed together do not retry together; a Retry-After is a floor.
      const int64_t ceiling = std::min(config_.max_backoff_ms, config_.base_backoff_ms << std::min(attempt, 20));
      int64_t wait = static_cast<int64_t>(rng_.uniform(static_cast<uint64_t>(ceiling) + 1));
      if (last.retry_after) wait = std::max<int64_t>(wait, last.retry_after->count() * 1000);
      sleep_ms_(wait);
    }
    ++attempts_;
    Attempt a = attempt_once();
    if (a.status >= 200 && a.status < 300) return parse(a.body);  // 202 for an accepted creation
    if (a.status == 0) {
      last = Error::make(ErrorKind::kUnavailable, "NetworkError", a.transport_error);
    } else {
      const auto j = nlohmann::json::parse(a.body, nullptr, false);
      std::string type = j.is_object() ? j.value("__type", "") : "";
      if (type.empty()) type = a.error_type.substr(0, a.error_type.find(':'));  // REST: the header names it
      std::string name = type.substr(type.find('#') + 1);
      if (name.empty()) name = fmt::format("Http{}", a.status);
      std::string message = j.is_object() ? j.value("message", j.value("Message", "")) : a.body;
      last = Error::make(error_kind(name, a.status), name, message);
      if (!a.retry_after.empty() && a.retry_after.find_first_not_of("0123456789") == std::string::npos)
        last.retry_after = std::chrono::seconds(std::stoll(a.retry_after));
      if (!retryable(name, a.status)) return last;
    }
  }
  return last;
}

Result<nlohmann::json> AwsJsonClient::call(const std::string& operation, const nlohmann::json& request) {
  const std::string body = request.dump();
  const wire::Headers headers = {{"content-type", config_.content_type}, {"x-amz-target", config_.target_prefix + operation}};
  return with_retries<nlohmann::json>([&] { return send("POST", path_, headers, body); }, parse_json);
}

Result<nlohmann::json> AwsJsonClient::rest(const std::string& method, const std::string& path, const nlohmann::json& request) {
  const std::string body = request.dump();
  const wire::Headers headers = {{"content-type", "application/json"}, {"accept", "application/json"}};
  return with_retries<nlohmann::json>([&] { return send(method, path, headers, body); }, parse_json);
}

Result<std::string> AwsJsonClient::rest_bytes(const std::string& method, const std::string& path, const nlohmann::json& request) {
  const std::string body = request.dump();
  const wire::Headers headers = {{"content-type", "application/json"}};
  return with_retries<std::string>([&] { return send(method, path, headers, body); },
                                   [](std::string& bytes) -> Result<std::string> { return std::move(bytes); });
}

Result<std::string> AwsJsonClient::get(const std::string& path) {
  return with_retries<std::string>([&] { return send("GET", path, {}, ""); },
                                   [](std::string& text) -> Result<std::string> { return std::move(text); });
}

Result<std::shared_ptr<AwsJsonClient>> AccountClients::of(const std::string& account) {
  if (!make_) return shared_;
  std::lock_guard lock(mu_);
  if (auto it = made_.find(account); it != made_.end()) return it->second;
  auto made = make_(account);
  if (!made.ok()) return made.take_error();
  made_.emplace(account, *made);
  return *made;
}

}  // namespace tenantsim::aws
