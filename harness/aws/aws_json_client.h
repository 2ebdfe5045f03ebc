// AwsJsonClient: a client for AWS's JSON protocols (DynamoDB's JSON 1.0, Cognito's JSON 1.1) over
// libcurl, signed with SigV4: what core's ports use to reach a real endpoint, or any server that
// speaks the protocol (`tenantsim fakes serve`, dynalite, cognito-local).
//
//  - one keep-alive connection per client (a curl easy handle, reused under a lock);
//  - connect and whole-request timeouts;
//  - retries of what AWS calls retryable (HTTP 5xx, 429, the throttling exceptions, connection
//    errors) with full-jitter exponential backoff, never sooner than a Retry-After header says;
//  - every answer ends as a Result: the AWS exception name (the part of `__type` after '#') in
//    Error::name, its message, and a kind from the HTTP status and that name.
//
// Blocking: call() returns when the answer is in. Ports built on it complete their tasks inline,
// which keeps a virtual-time run deterministic (the virtual clock does not advance during a call).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/base/rng.h"
#include "fakes/wire/sigv4.h"

namespace tenantsim::aws {

struct EndpointConfig {
  std::string url;           // "https://dynamodb.us-east-1.amazonaws.com" or "http://127.0.0.1:8000"
  std::string region = "us-east-1";
  std::string service;       // signing name: "dynamodb", "cognito-idp"
  std::string target_prefix; // "DynamoDB_20120810."
  std::string content_type;  // "application/x-amz-json-1.0"
  wire::SigV4Credentials credentials;
  int64_t connect_timeout_ms = 2000;
  int64_t request_timeout_ms = 10000;
  int max_attempts = 4;        // the first try and three retries
  int64_t base_backoff_ms = 25;
  int64_t max_backoff_ms = 2000;
  // When set, every request carries X-Tenantsim-Clock-Ms with this time (milliseconds since the
  // epoch; none when it gives a negative time): a virtual-time run telling `fakes serve --clock
  // caller` what time it is.
  std::function<int64_t()> caller_clock_ms;
};

class AwsJsonClient {
 public:
  // `sleep_ms` waits between retries (tests pass a recorder); the default sleeps the thread.
  AwsJsonClient(EndpointConfig config, Rng rng, std::function<void(int64_t)> sleep_ms = nullptr);
  ~AwsJsonClient();
  AwsJsonClient(const AwsJsonClient&) = delete;
  AwsJsonClient& operator=(const AwsJsonClient&) = delete;

  // POSTs `request` as `X-Amz-Target: <prefix><operation>`; the decoded answer, or the error the
  // service (or the network) gave after the retries. Thread-safe (calls are serialized).
  Result<nlohmann::json> call(const std::string& operation, const nlohmann::json& request);

  // POSTs `body` as JSON to `path` on the endpoint's host, signed: AWS's REST-JSON protocols
  // (Bedrock's /model/{id}/converse). Errors are named by the x-amzn-ErrorType header.
  Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) { return rest("POST", path, body); }
  // The same with any method that carries a body (PUT for Bedrock's control-plane creations).
  Result<nlohmann::json> rest(const std::string& method, const std::string& path, const nlohmann::json& body);
  // The same, for an answer that is not JSON (an event stream): its bytes.
  Result<std::string> rest_bytes(const std::string& method, const std::string& path, const nlohmann::json& body);

  // GET `path` on the endpoint's host, unsigned, with the same retries: the public documents a
  // service serves beside its API (a user pool's JWKS). The body of a 200 answer.
  Result<std::string> get(const std::string& path);

  // Calls made and retries taken, for tests and reports.
  uint64_t attempts() const;

  const EndpointConfig& config() const { return config_; }

 private:
  struct Attempt {
    int status = 0;            // 0: no HTTP answer (connection error, timeout)
    std::string body;
    std::string retry_after;   // the header, if any
    std::string error_type;    // x-amzn-ErrorType, if any
    std::string transport_error;
  };
  // One request to `path` on the endpoint's host: GET unsigned, any other method signed, with `headers`.
  Attempt send(const std::string& method, const std::string& path, const wire::Headers& headers, const std::string& body);
  // The retry loop around one request; `parse` turns a 200 body into the answer.
  template <class T>
  Result<T> with_retries(const std::function<Attempt()>& attempt, const std::function<Result<T>(std::string&)>& parse);

  EndpointConfig config_;
  std::string host_;        // Host header value
  std::string path_;        // request path ("/" for the JSON protocols)
  Rng rng_;
  std::function<void(int64_t)> sleep_ms_;
  mutable std::mutex mu_;
  void* curl_ = nullptr;    // CURL*
  uint64_t attempts_ = 0;
  std::string control_secret_;  // fakes serve's, for /_fake/ paths: found on first use
};

// The clients a port signs with, one per account of the system's (its pooled model account, a silo
// tenant's): the one shared client for every account, unless `make` gives each account its own
// credentials (a run against `fakes serve`, where each account has its own key, so per-account
// quotas and bills hold over the wire as in process). Thread-safe; each account's client is made
// once.
class AccountClients {
 public:
  using Make = std::function<Result<std::shared_ptr<AwsJsonClient>>(const std::string& account)>;
  explicit AccountClients(std::shared_ptr<AwsJsonClient> shared, Make make = nullptr)
      : shared_(std::move(shared)), make_(std::move(make)) {}

  Result<std::shared_ptr<AwsJsonClient>> of(const std::string& account);
  // Whether each account signs with its own credentials.
  bool per_account() const { return static_cast<bool>(make_); }

 private:
  std::shared_ptr<AwsJsonClient> shared_;
  Make make_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<AwsJsonClient>> made_;
};

// The error kind of an AWS exception name and HTTP status (kUnavailable for 5xx and transport
// errors, kTooManyRequests for throttling, and so on).
ErrorKind error_kind(const std::string& name, int status);

}  // namespace tenantsim::aws
