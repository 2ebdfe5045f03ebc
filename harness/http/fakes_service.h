// FakesService: the fakes on their AWS wire protocols, as an http::Handler for the one HTTP server
// skeleton (what `tenantsim fakes serve` runs). One port for every service, routed the way AWS's
// own front ends tell the protocols apart: JSON 1.0/1.1 calls by `X-Amz-Target`
// (`DynamoDB_20120810.*`, `AWSCognitoIdentityProviderService.*`), REST calls by path (Bedrock's
// /model/..., its agents' /agents/..., its knowledge bases' /knowledgebases/..., OpenWeatherMap's
// /data/... and /geo/...). Each request's SigV4 Authorization header is parsed
// (its access key names the account, so tables and quotas are per account over the wire too) and,
// with verify_sigv4, checked against the configured secret like AWS does.
//
// What a service does lives in fakes/ (DynamoApi: validate, parse, act, encode); this class only
// adds HTTP: framing, auth, the error envelope, CRC32 and request ids, and the write-ahead log.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <ostream>
#include <set>
#include <string>

#include "core/base/result.h"
#include "fakes/bedrock/agents_wire.h"
#include "fakes/bedrock/fake_bedrock.h"
#include "fakes/bedrock/fake_bedrock_agents.h"
#include "fakes/cognito/cognito_wire.h"
#include "fakes/cognito/fake_cognito.h"
#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/dynamodb_api.h"
#include "fakes/knowledge_base/fake_knowledge_base.h"
#include "fakes/knowledge_base/kb_wire.h"
#include "fakes/weather/fake_weather.h"
#include "harness/http/http_server.h"
#include "harness/http/request_log.h"

namespace tenantsim::http {

struct AccessKey {
  std::string secret;
  std::string account = "000000000000";
};

// Parses a keys file: {"AKID...": {"secret": "...", "account": "123456789012"}, ...}. Errors name
// the key and the field.
Result<std::map<std::string, AccessKey>> parse_access_keys(const nlohmann::json& j, const std::string& where);

struct FakesServiceOptions {
  std::set<std::string> services = {"dynamodb", "cognito", "bedrock", "weather"};
  uint64_t seed = 42;  // the model's token counts and ids
  // OpenWeatherMap API keys and their calls per minute; empty: the platform's default key.
  std::map<std::string, int> weather_keys;
  // Access keys and their accounts; a key not listed belongs to account 000000000000 (unless
  // verify_sigv4, where it is refused as AWS refuses an unknown key).
  std::map<std::string, AccessKey> keys;
  bool verify_sigv4 = false;
  // Sign tokens with the published fixture keys instead of keys made for this process (tests only:
  // with them anyone can sign a token any pool accepts).
  bool fixture_keys = false;
  // What a caller of /_fake/* must show (harness/http/control_secret.h); empty refuses them all.
  std::string control_secret;
  // With --state: the write-ahead log (owned by the caller), already replayed by replay().
  RequestLog* log = nullptr;
  std::ostream* access_log = nullptr;
  std::function<int64_t()> now_ms;  // wall clock unless set (tests)
  // The caller's clock (`--clock caller`): the fakes' time is the X-Tenantsim-Clock-Ms header of the
  // latest request that carried one (never earlier than the one before), so a virtual-time run
  // drives the fakes' quotas, tokens and windows on its own clock. A request without the header
  // runs at that latest time; before the first, at the wall clock. SigV4's 15-minute skew rule
  // stays on the wall clock: clients sign with real time.
  bool caller_clock = false;
};

// The header a caller's clock comes in: milliseconds since the Unix epoch.
inline constexpr const char* kCallerClockHeader = "X-Tenantsim-Clock-Ms";

class FakesService {
 public:
  explicit FakesService(FakesServiceOptions options);

  // Rebuilds the fakes' state from the log's entries. Returns how many were applied; an entry that
  // no longer succeeds is an error naming its line (the log and the code disagree).
  Result<size_t> replay(const std::vector<nlohmann::json>& entries);

  // The pure request handling: synchronous, thread-safe.
  // Browsers may call every service from any origin, as they may call AWS's endpoints: a web
  // frontend signs in with Cognito straight from the page (CORS preflights are answered, every
  // answer to a request with an Origin allows it and exposes AWS's response headers).
  Response handle(const Request& request);
  void handle_async(Request request, Responder respond) { respond(handle(request)); }

  uint64_t requests() const { return requests_.load(); }

  // What each fake recorded, as the provider's own bill would show it (`GET /_fake/ledger`): model
  // usage per account and model and per the tenant and user the caller tagged, Cognito requests per
  // operation and monthly active users, weather calls per key, knowledge-base retrievals per filter
  // and the owners of what they returned, agent invocations. For reconciling a run that used
  // `fakes serve` as its cloud, from the far side.
  nlohmann::json ledger();

  // The test hooks a run that uses `fakes serve` as its cloud needs, and AWS does not have (POST,
  // JSON; each refuses what it does not apply, by name, with 400):
  //  - /_fake/configure: {"model": {"follows_injections": bool}, "capacity":
  //    {"bedrock_requests_per_minute": n, "bedrock_tokens_per_minute": n}, "weather_keys":
  //    {"KEY": calls_per_minute}}: a scenario's model behaviour and quotas (its fault plans apply
  //    at the run's own ports, harness/faults/);
  //  - /_fake/cognito/sign: {"pool_id": ..., "claims": {...}} -> {"token": ...}: claims signed with
  //    the pool's own key, for the attacks a run makes with validly signed tokens (another
  //    audience, expired, another tenant's pool);
  //  - /_fake/keys: {"AKID": {"secret": ..., "account": "123456789012"}}: more access keys, the
  //    --keys file's shape, so a run can sign each of its accounts' calls with that account's key.
  Response hook(const Request& request, const std::string& path);

 private:
  Response dispatch(const Request& request);
  Response dynamodb(const Request& req, const std::string& operation);
  Response bedrock(const Request& req, const std::string& model_id, const std::string& action);
  Response weather(const Request& req, const std::string& path, const std::string& query);
  Response cognito(const Request& req, const std::string& operation);
  // Bedrock's REST-JSON control planes and knowledge-base runtime (knowledge bases, agents): SigV4,
  // the body, and the write-ahead log of the calls that change state, under `service` in the log.
  using RestCall = std::function<rest_json::Reply(const std::string& method, const std::string& path, const nlohmann::json& body,
                                                   const std::string& account, const std::string& region)>;
  Response rest_json_service(const Request& req, const std::string& path, const std::string& service, const RestCall& call);
  // Runs `apply` (one call of a fake's wire API) and, with --state, appends what `entry_of` gives
  // (nullopt: nothing changed) with the call's time, both under one lock so the log's order is the
  // state's. The error message to answer with when the log cannot be written, else nullopt.
  std::optional<std::string> apply_logged(const std::function<void()>& apply,
                                          const std::function<std::optional<nlohmann::json>()>& entry_of);
  // InvokeAgent: an event stream.
  Response invoke_agent(const Request& req, const std::string& path);
  // Runs one port call of a cloud fake to completion on the cloud clock, moved to the wall clock.
  void run_on_cloud(Task<void> t);

  struct AuthFailure {
    std::string name;
    std::string message;
  };
  // Parses and (optionally) verifies SigV4, filling the account and region; each protocol renders
  // a failure in its own envelope.
  std::optional<AuthFailure> authenticate(const Request& req, dynamo::CallContext& context);
  int64_t now_ms() const;
  int64_t wall_ms() const;
  // Moves the caller's clock to the request's X-Tenantsim-Clock-Ms; a bad value is the message to refuse it with.
  std::optional<std::string> follow_caller_clock(const Request& req);

  FakesServiceOptions options_;
  dynamo::DynamoApi dynamo_;
  std::atomic<int64_t> replay_time_ms_{-1};  // >= 0 while replaying: the logged time
  std::atomic<int64_t> caller_ms_{-1};       // with caller_clock: the caller's latest time, once given
  // options_.keys grows through /_fake/keys: every signed request reads it, a hook rarely writes.
  mutable std::shared_mutex keys_mu_;
  std::mutex log_mu_;                      // apply and log in one order
  bool log_failed_ = false;                // under log_mu_
  std::atomic<uint64_t> requests_{0};
  // Bedrock and the weather API run on the in-process fakes, on a virtual clock moved to the wall
  // clock before each call (their quotas are per minute of real time), one call at a time.
  std::mutex cloud_mu_;
  VirtualClock cloud_clock_;
  FakeBedrock bedrock_;
  FakeWeather weather_;
  FakeCognito cognito_;
  cognito_wire::CognitoApi cognito_api_;
  FakeKnowledgeBase knowledge_;
  kb_wire::KnowledgeBaseApi knowledge_api_;
  FakeBedrockAgents agents_{bedrock_};  // Bedrock Agents, orchestrating on the model fake above
  agents_wire::AgentsApi agents_api_;
  RestCall knowledge_call_ = [this](const std::string& m, const std::string& p, const nlohmann::json& b, const std::string& a,
                                    const std::string& r) { return knowledge_api_.call(m, p, b, a, r); };
  RestCall agents_call_ = [this](const std::string& m, const std::string& p, const nlohmann::json& b, const std::string& a,
                                 const std::string& r) { return agents_api_.call(m, p, b, a, r); };
};

}  // namespace tenantsim::http
