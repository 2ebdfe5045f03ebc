// A virtual-time run's link to `fakes serve --clock caller` (harness/aws/fakes_link.h) and the
// hooks it uses (/_fake/configure, /_fake/cognito/sign, /_fake/keys, X-Tenantsim-Clock-Ms): the
// fakes run on the caller's clock, refuse settings they would not apply (fault plans among them:
// those apply at the run's ports), sign with a pool's own key,
// bill each account under its own name, and their ledgers read back in the in-process shape.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include "harness/token_forge.h"
#include "fakes/common/virtual_clock.h"
#include "harness/aws/backends.h"
#include "harness/aws/fakes_link.h"
#include "harness/cloud_ledgers.h"
#include "harness/http/control_secret.h"
#include "tests/in_process_fakes_serve.h"

namespace tenantsim {
namespace {

using nlohmann::json;

const Time kRunStart = from_unix_seconds(1706659200);  // 2024-01-31T00:00:00Z, long before the wall clock

http::FakesServiceOptions on_callers_clock() {
  http::FakesServiceOptions o;
  o.caller_clock = true;
  return o;
}

// One unsigned POST to the server: the hooks' refusals, as any HTTP client sees them. With the
// server's control secret unless `with_secret` is false.
std::pair<long, std::string> post(const std::string& url, const std::string& body, const std::string& header = "",
                                  bool with_secret = true) {
  CURL* curl = curl_easy_init();
  std::string answer;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (!header.empty()) headers = curl_slist_append(headers, header.c_str());
  if (with_secret)
    headers = curl_slist_append(headers, ("X-Tenantsim-Control-Secret: " + http::control_secret_for(url)).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
  });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return {status, answer};
}

class FakesLinkTest : public ::testing::Test {
 protected:
  FakesLinkTest() {
    auto made = aws::FakesLink::connect(server_.url(), 7);
    EXPECT_TRUE(made.ok()) << made.error().message;
    link_ = std::move(*made);
    link_->follow(&clock_);
  }
  ~FakesLinkTest() override { link_->follow(nullptr); }

  template <class T>
  T run(Task<T> t) {
    return run_to_completion(clock_, std::move(t));
  }
  aws::RealService service() const {
    aws::RealService s;
    s.endpoint = server_.url();
    return s;
  }
  ConverseRequest hello(const std::string& account) const {
    ConverseRequest req;
    req.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    req.account = account;
    req.messages = {{ChatMessage::Role::kUser, "Hello there", std::nullopt, std::nullopt}};
    req.request_metadata = {{"tenant_id", "acme"}, {"user_id", "ana"}};
    return req;
  }

  testing::InProcessFakesServe server_{on_callers_clock()};
  VirtualClock clock_{kRunStart};
  std::unique_ptr<aws::FakesLink> link_;
};

TEST_F(FakesLinkTest, TokensCarryTheRunsVirtualTime) {
  auto idp = aws::make_cognito(service(), 7, link_.get());
  ASSERT_TRUE(idp.ok()) << idp.error().message;
  UserPoolConfig c;
  c.name = "linked";
  c.custom_attributes = {"tenant_id"};
  auto pool = run((*idp)->create_user_pool(c));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  auto client = run((*idp)->create_app_client(pool->pool_id, "web", {}));
  ASSERT_TRUE(client.ok()) << client.error().message;
  ASSERT_TRUE(run((*idp)->admin_create_user(pool->pool_id, "ana", "Perm-Password-1", {{"custom:tenant_id", "acme"}})).ok());
  for (const auto later : {std::chrono::hours(0), std::chrono::hours(5)}) {
    clock_.advance_to(kRunStart + later);
    auto tokens = run((*idp)->initiate_auth_password(*client, "ana", "Perm-Password-1"));
    ASSERT_TRUE(tokens.ok()) << tokens.error().message;
    EXPECT_EQ(decode_jwt(tokens->id_token).payload.value("iat", int64_t{0}), to_unix_seconds(clock_.now()));
  }
  // The caller's clock never goes back: an earlier time is the latest one still.
  clock_.rewind_to(kRunStart);
  auto tokens = run((*idp)->initiate_auth_password(*client, "ana", "Perm-Password-1"));
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(decode_jwt(tokens->id_token).payload.value("iat", int64_t{0}), to_unix_seconds(kRunStart + std::chrono::hours(5)));

  // The signing hook signs with the pool's own key: the JWKS's key id, the claims as given.
  auto signed_token = link_->sign(pool->pool_id, json{{"sub", "x"}, {"aud", "another-app-client"}});
  ASSERT_TRUE(signed_token.ok()) << signed_token.error().message;
  const Jwt jwt = decode_jwt(*signed_token);
  auto jwks = run((*idp)->jwks(pool->pool_id));
  ASSERT_TRUE(jwks.ok());
  EXPECT_NE(jwks->find(jwt.header.value("kid", "?")), std::string::npos);
  EXPECT_EQ(jwt.payload.value("aud", ""), "another-app-client");
  auto unknown = link_->sign("us-east-1_nosuchpool", json{{"sub", "x"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("no user pool 'us-east-1_nosuchpool'"), std::string::npos) << unknown.error().message;
}

TEST_F(FakesLinkTest, EachAccountIsBilledUnderItsOwnName) {
  auto model = aws::make_bedrock(service(), 7, link_.get());
  ASSERT_TRUE(model.ok()) << model.error().message;
  for (const char* account : {"pool", "silo-acme", "silo-acme", "pool"}) {
    auto r = run((*model)->converse(hello(account)));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  auto doc = link_->ledger();
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  auto ledgers = ledgers_from_json(*doc);
  ASSERT_TRUE(ledgers.ok()) << ledgers.error().message;
  std::map<std::string, int64_t> invocations;
  for (const auto& [key, usage] : ledgers->model.by_account_model) invocations[key.first] += usage.invocations;
  EXPECT_EQ(invocations, (std::map<std::string, int64_t>{{"pool", 2}, {"silo-acme", 2}}));
  EXPECT_EQ(ledgers->model.by_tenant_tag.at("acme").begin()->second.invocations, 4);
}

TEST_F(FakesLinkTest, ConfiguredQuotasApplyAndWhatIsNotAppliedIsRefusedWhole) {
  auto model = aws::make_bedrock(service(), 7, link_.get());
  ASSERT_TRUE(model.ok()) << model.error().message;
  // Refused by name, and nothing of a refused call applies (the quota below is not set).
  for (const auto& [bad, named] : std::vector<std::pair<json, std::string>>{
           {{{"capacity", {{"bedrock_requests_per_minute", 1}}}, {"faults", {{"bedrock", {{"error_rate", 0.5}}}}}},
            "faults: fault plans apply at the caller's own ports"},
           {{{"capacity", {{"bedrock_requests_per_minute", 0}}}}, "capacity.bedrock_requests_per_minute must be an integer >= 1"},
           {{{"capacity", {{"dynamodb_partition_read_units_per_second", 5}}}}, "capacity.dynamodb_partition_read_units_per_second"},
           {{{"model", {{"follows_injections", "yes"}}}}, "model.follows_injections"},
           {{{"clock", 1}}, "clock: unknown section"}}) {
    auto st = link_->configure(bad);
    ASSERT_FALSE(st.ok()) << bad.dump();
    EXPECT_NE(st.error().message.find(named), std::string::npos) << st.error().message;
  }
  EXPECT_TRUE(run((*model)->converse(hello("pool"))).ok());
  EXPECT_TRUE(run((*model)->converse(hello("pool"))).ok());
  // One request a minute: the next in the same (virtual) minute is throttled, the next minute's is not.
  ASSERT_TRUE(link_->configure({{"capacity", {{"bedrock_requests_per_minute", 1}}}}).ok());
  clock_.advance(std::chrono::minutes(1));
  EXPECT_TRUE(run((*model)->converse(hello("pool"))).ok());
  auto throttled = run((*model)->converse(hello("pool")));
  ASSERT_FALSE(throttled.ok());
  EXPECT_EQ(throttled.error().kind, ErrorKind::kTooManyRequests) << throttled.error().name;
  clock_.advance(std::chrono::minutes(1));
  EXPECT_TRUE(run((*model)->converse(hello("pool"))).ok());
}

TEST_F(FakesLinkTest, ABadClockHeaderOrHookBodyIsA400NamingIt) {
  const auto clock = post(server_.url() + "/_fake/configure", "{}", "X-Tenantsim-Clock-Ms: yesterday");
  EXPECT_EQ(clock.first, 400);
  EXPECT_NE(clock.second.find("X-Tenantsim-Clock-Ms: 'yesterday' is not milliseconds"), std::string::npos) << clock.second;
  const auto body = post(server_.url() + "/_fake/keys", "[1]");
  EXPECT_EQ(body.first, 400);
  EXPECT_NE(body.second.find("must be a JSON object"), std::string::npos) << body.second;
  const auto key = post(server_.url() + "/_fake/keys", R"({"AKIDSHORT": {"secret": "s"}})");
  EXPECT_EQ(key.first, 400);
  EXPECT_NE(key.second.find("16 to 128 characters"), std::string::npos) << key.second;
  const auto hook = post(server_.url() + "/_fake/reboot", "{}");
  EXPECT_EQ(hook.first, 404);
}

// Issue 28: /_fake/cognito/sign mints a token of any claims, so the hooks answer only a caller
// with the server's secret, and never a browser page (a request with an Origin).
TEST_F(FakesLinkTest, TheHooksNeedTheServersSecretAndRefuseEveryCrossOriginCall) {
  const std::string sign = server_.url() + "/_fake/cognito/sign";
  const std::string claims = R"({"pool_id": "us-east-1_nope", "claims": {"custom:tenant_id": "victim"}})";
  const auto none = post(sign, claims, "", false);
  EXPECT_EQ(none.first, 401);
  EXPECT_NE(none.second.find("ControlSecretRequired"), std::string::npos) << none.second;
  EXPECT_EQ(post(sign, claims, "X-Tenantsim-Control-Secret: guessed", false).first, 401);
  const auto page = post(sign, claims, "Origin: https://evil.example");
  EXPECT_EQ(page.first, 403) << "the right secret, but from a web page";
  EXPECT_EQ(post(server_.url() + "/_fake/ledger", "", "", false).first, 401);
  EXPECT_EQ(post(sign, claims).first, 404) << "with the secret the hook answers (no such pool)";
}

TEST(FakesLink, AServerThatIsNotFakesServeIsRefused) {
  auto none = aws::FakesLink::connect("http://127.0.0.1:1", 7);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("fakes_serve http://127.0.0.1:1"), std::string::npos) << none.error().message;
}

TEST(CloudLedgers, ALedgerOfTheWrongShapeIsAnErrorNamingIt) {
  auto bad = ledgers_from_json(json{{"bedrock", {{"by_account_model", json::array({{{"account", "a"}}})}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("/_fake/ledger"), std::string::npos);
  EXPECT_FALSE(ledgers_from_json(json::object()).ok());
}

TEST(VirtualClock, RewindsOnlyWithNoTimerPending) {
  VirtualClock clock(kRunStart + std::chrono::hours(1));
  clock.rewind_to(kRunStart);
  EXPECT_EQ(clock.now(), kRunStart);
  spawn([](VirtualClock& c) -> Task<void> { co_await sleep_for(c, std::chrono::seconds(1)); }(clock));
  EXPECT_THROW(clock.rewind_to(kRunStart), std::logic_error);
  clock.run();
}

}  // namespace
}  // namespace tenantsim
