// AWS's formats at the wire.
// Cognito's SRP (USER_SRP_AUTH): the math against a vector computed by amazon-cognito-identity-js
// (npm, the client most web frontends sign in with), and the PASSWORD_VERIFIER exchange through
// the wire API on the in-process fake: right password, wrong password, a replayed or forged claim,
// values an attacker would choose (A = 0, A = N). tests/peers/cognito_identity_js.mjs runs the
// library itself against `fakes serve`.
// OpenWeatherMap's answers read back into the weather port's documents (what harness/aws/real_weather
// does with a real API's answer).
// Event-stream framing: the empty message of awslabs/aws-c-event-stream's encoded test vectors,
// round trips, and every damaged frame refused (boto3 and the JS SDK read our frames in
// tests/fakes_serve_clients.py).
#include "fakes/wire/cognito_srp.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "fakes/cognito/cognito_wire.h"
#include "fakes/cognito/fake_cognito.h"
#include "fakes/common/virtual_clock.h"
#include "fakes/wire/base64.h"
#include "fakes/weather/owm_wire.h"
#include "fakes/wire/event_stream.h"

namespace tenantsim {
namespace {

using nlohmann::json;
namespace srp = wire::srp;

// Made with amazon-cognito-identity-js 6.3.21's AuthenticationHelper for pool name "AbCdEf123",
// user "ana@acme", password "Correct-Horse-9", salt 0e1f...f7, the small a below and
// B = g^0xabcdef0123456789 mod N + 0x1234567.
constexpr const char* kSmallA = "7f3a9c21d4e5b6a79801c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f6071";
constexpr const char* kSalt = "0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7";
const std::string kA =
    "1948dd81d5898ec3bb528c389757c8da9bf50d8de440447223f31a03e648ae81504f5fdbb435581b0779b8fec8a88f62"
    "5cb22d297804ec9e0965b6e981f9187155d9fa5c3e899058e8e0ffe54241ac641e27d7755e6565c74c82e181d527bb4b"
    "56559f1d666a17acd78ca3ba0876a4d20b5466a28978f9b01bb42aa3c5273c24dfaaf5c3dc0179c7b9d008cb43491753"
    "6b66d72bf4acf40a5e1e84f18b3ed558283fb1f303b7b4d20650531d0f52b4a842c45d268a366ec7e751411ddea63830"
    "78c3d5c5dd9bbc75d363551f04d310c60f205f0d961ca8a0bdc14ff0f9bb95d369048a51f4f44422b914b97c911876f1"
    "e5240cf6c0bad30fe31e2af6cce8a83322e2aff962a8331ea738b761ab3c25b551e6f221b8b04e97a752e29b7248fcd6"
    "835a6978514474d0149647424a490f3450d781fb961710a3f078483fdd30e5ae973334bc4275f37d1c9e5a7d7ac13e43"
    "60f6959b25adfd496c2c758fb9e2c461b5ab7a043c07ffc1fb5ec026fe43f6a3eac72eaa645de61cb36a8d37e6e74fc5";
const std::string kB =
    "362be8c4c29e414549c30c6679ddbb556c27717d80c8feec68257bf5edcd855fbd23590841c1f792dd24a09243c00d4f"
    "bb8cc8047fbe1c95da7b467d29269d2db462c6268f10ef5a3c23f71865a54bae6e48523e6a7a9b65d115c66a2f5b4ec5"
    "b7384c9796dc6b2d422ea630e1821104ab05cb4a4f292f991d771be4fdba39bc6ff8dce0f0addaaaf172d908d08544d5"
    "73a2222f1e198caf65f5e6445848ed23b5bbfff0b5bc00ca54b2831a200577220cfe4f5de20b66baffbfc8d3a16af6f6"
    "a7a590e0764ccdf918daf922df1ed0a695702c9bd63a69b09b4c2fb8a3bffee5f89744639607e1920ee006d81f09cba7"
    "682e75be5b407fb5cb1f706c0dbf7a9325b5c56ea53333ba1aecab647beae4b2b44c0912814609560fda8d86e6aff0b2"
    "317e339d2d3b422069d8e68fca8a39c43acb360d4285bb2dd076bb58b41e07be255f349537adaae3bf5260b2c7e066fb"
    "77904ebcee5005cc367f926482f9b405952f50e1182049ac49847a048fca4fbe13c6538eea38132c9bc43c9b068c511e";
constexpr const char* kKeyHex = "789d3c3037abd1e1456b9652fab54b76";

std::string hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

TEST(CognitoSrp, TheClientSideMatchesAmazonCognitoIdentityJs) {
  EXPECT_EQ(srp::client_A_hex(kSmallA), kA);
  auto key = srp::client_key("AbCdEf123", "ana@acme", "Correct-Horse-9", kSalt, kSmallA, kB);
  ASSERT_TRUE(key);
  EXPECT_EQ(hex(*key), kKeyHex);
  auto wrong = srp::client_key("AbCdEf123", "ana@acme", "Correct-Horse-8", kSalt, kSmallA, kB);
  ASSERT_TRUE(wrong);
  EXPECT_NE(hex(*wrong), kKeyHex);
}

TEST(CognitoSrp, ServerAndClientAgreeOnlyOnTheRightPassword) {
  const std::string v = srp::verifier_hex("AbCdEf123", "ana@acme", "Correct-Horse-9", kSalt);
  const auto server = srp::server_ephemeral(v, "1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef");
  const std::string A = srp::client_A_hex(kSmallA);
  const auto on_server = srp::server_key(A, server, v);
  const auto on_client = srp::client_key("AbCdEf123", "ana@acme", "Correct-Horse-9", kSalt, kSmallA, server.B_hex);
  ASSERT_TRUE(on_server && on_client);
  EXPECT_EQ(*on_server, *on_client);
  const auto guessed = srp::client_key("AbCdEf123", "ana@acme", "correct-horse-9", kSalt, kSmallA, server.B_hex);
  EXPECT_NE(*on_server, *guessed);
  const auto other_pool = srp::client_key("XyZ", "ana@acme", "Correct-Horse-9", kSalt, kSmallA, server.B_hex);
  EXPECT_NE(*on_server, *other_pool);
}

TEST(CognitoSrp, ValuesThatWouldFixTheSessionKeyAreRefused) {
  const std::string v = srp::verifier_hex("AbCdEf123", "ana@acme", "pw", kSalt);
  const auto server = srp::server_ephemeral(v, "abcdef");
  EXPECT_FALSE(srp::server_key("0", server, v));
  // N itself, and 2N: both 0 mod N.
  const std::string N =
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
      "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
      "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
      "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
      "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
      "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
      "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
      "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
  EXPECT_FALSE(srp::server_key(N, server, v));
  EXPECT_FALSE(srp::server_key("not hex", server, v));
  EXPECT_FALSE(srp::client_key("AbCdEf123", "ana@acme", "pw", kSalt, kSmallA, "0"));
  EXPECT_FALSE(srp::client_key("AbCdEf123", "ana@acme", "pw", kSalt, kSmallA, N));
}

// The wire API on the in-process fake, driven as a client would drive it.
class CognitoWire : public ::testing::Test {
 protected:
  CognitoWire()
      : cognito_(clock_, Rng(7)),
        api_(cognito_,
             [this](Task<void> t) {
               spawn(std::move(t));
               clock_.run();
             },
             [this](const std::string& c, const std::string& u) { return cognito_.mailbox(c, u); }, Rng(8)) {
    pool_ = api_.call("CreateUserPool", {{"PoolName", "tenants"}}).body["UserPool"]["Id"];
    client_ = api_.call("CreateUserPoolClient", {{"UserPoolId", pool_}, {"ClientName", "web"}}).body["UserPoolClient"]["ClientId"];
    api_.call("SignUp", {{"ClientId", client_}, {"Username", "ana"}, {"Password", "Correct-Horse-9"}});
    api_.call("ConfirmSignUp", {{"ClientId", client_}, {"Username", "ana"}, {"ConfirmationCode", cognito_.mailbox(client_, "ana")}});
  }

  // InitiateAuth, then the claim a client makes with `password`: the RespondToAuthChallenge body.
  json claim(const std::string& password) {
    const auto started = api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_SRP_AUTH"},
                                                    {"AuthParameters", {{"USERNAME", "ana"}, {"SRP_A", srp::client_A_hex(kSmallA)}}}});
    EXPECT_EQ(started.status, 200) << started.body.dump();
    EXPECT_EQ(started.body["ChallengeName"], "PASSWORD_VERIFIER");
    const json p = started.body["ChallengeParameters"];
    const std::string pool_name = pool_.substr(pool_.find('_') + 1);
    const auto key = srp::client_key(pool_name, p["USER_ID_FOR_SRP"], password, p["SALT"], kSmallA, p["SRP_B"]);
    const std::string timestamp = "Thu Nov 6 09:43:23 UTC 2026";
    const json responses = {{"USERNAME", p["USER_ID_FOR_SRP"]},
                            {"PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"]},
                            {"TIMESTAMP", timestamp},
                            {"PASSWORD_CLAIM_SIGNATURE", srp::claim_signature(*key, pool_name, p["USER_ID_FOR_SRP"],
                                                                              *wire::base64_decode(p["SECRET_BLOCK"]), timestamp)}};
    return {{"ClientId", client_}, {"ChallengeName", "PASSWORD_VERIFIER"}, {"ChallengeResponses", responses}};
  }
  cognito_wire::Reply answer(const json& body) { return api_.call("RespondToAuthChallenge", body); }

  VirtualClock clock_{from_unix_seconds(1764150203)};
  FakeCognito cognito_;
  cognito_wire::CognitoApi api_;
  std::string pool_, client_;
};

TEST_F(CognitoWire, TheRightPasswordGetsTokens) {
  const auto reply = answer(claim("Correct-Horse-9"));
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_FALSE(reply.body["AuthenticationResult"]["IdToken"].get<std::string>().empty());
  EXPECT_FALSE(reply.body["AuthenticationResult"]["RefreshToken"].get<std::string>().empty());
}

TEST_F(CognitoWire, AWrongPasswordIsNotAuthorized) {
  const auto reply = answer(claim("Correct-Horse-8"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["__type"], "NotAuthorizedException");
}

TEST_F(CognitoWire, AClaimIsAnsweredOnce) {
  const json body = claim("Correct-Horse-9");
  ASSERT_EQ(answer(body).status, 200);
  EXPECT_EQ(answer(body).body["__type"], "NotAuthorizedException") << "the same claim again";
}

TEST_F(CognitoWire, AClaimCannotBeEdited) {
  json body = claim("Correct-Horse-9");
  body["ChallengeResponses"]["TIMESTAMP"] = "Thu Nov 6 09:43:24 UTC 2026";  // not the one signed
  EXPECT_EQ(answer(body).body["__type"], "NotAuthorizedException");
  body = claim("Correct-Horse-9");
  body["ChallengeResponses"]["USERNAME"] = "bob";  // another user's name on ana's claim
  EXPECT_EQ(answer(body).body["__type"], "NotAuthorizedException");
  body = claim("Correct-Horse-9");
  body["ChallengeResponses"]["TIMESTAMP"] = "2026-11-26T09:43:23Z";
  EXPECT_EQ(answer(body).body["__type"], "InvalidParameterException");
}

TEST_F(CognitoWire, AnUnconfirmedUserIsToldSoAfterTheClaim) {
  api_.call("SignUp", {{"ClientId", client_}, {"Username", "bob"}, {"Password", "Battery-Staple-1"}});
  const auto started = api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_SRP_AUTH"},
                                                  {"AuthParameters", {{"USERNAME", "bob"}, {"SRP_A", srp::client_A_hex(kSmallA)}}}});
  ASSERT_EQ(started.status, 200);
  const json p = started.body["ChallengeParameters"];
  const std::string pool_name = pool_.substr(pool_.find('_') + 1);
  const auto key = srp::client_key(pool_name, "bob", "Battery-Staple-1", p["SALT"], kSmallA, p["SRP_B"]);
  const std::string ts = "Thu Nov 6 09:43:23 UTC 2026";
  const auto reply = answer({{"ClientId", client_}, {"ChallengeName", "PASSWORD_VERIFIER"},
                             {"ChallengeResponses", {{"USERNAME", "bob"}, {"PASSWORD_CLAIM_SECRET_BLOCK", p["SECRET_BLOCK"]}, {"TIMESTAMP", ts},
                                                     {"PASSWORD_CLAIM_SIGNATURE",
                                                      srp::claim_signature(*key, pool_name, "bob", *wire::base64_decode(p["SECRET_BLOCK"]), ts)}}}});
  EXPECT_EQ(reply.body["__type"], "UserNotConfirmedException");
}

TEST_F(CognitoWire, BadRequestsNameTheProblem) {
  auto started = api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_SRP_AUTH"},
                                            {"AuthParameters", {{"USERNAME", "ana"}, {"SRP_A", "0"}}}});
  EXPECT_EQ(started.body["__type"], "InvalidParameterException");
  started = api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_SRP_AUTH"},
                                       {"AuthParameters", {{"USERNAME", "nobody"}, {"SRP_A", srp::client_A_hex(kSmallA)}}}});
  EXPECT_EQ(started.body["__type"], "NotAuthorizedException");
  auto answered = api_.call("RespondToAuthChallenge", {{"ClientId", client_}, {"ChallengeName", "PASSWORD_VERIFIER"},
                                                        {"ChallengeResponses", {{"USERNAME", "ana"}}}});
  EXPECT_EQ(answered.body["__type"], "InvalidParameterException");
  EXPECT_NE(answered.body["message"].get<std::string>().find("PASSWORD_CLAIM_SECRET_BLOCK"), std::string::npos);
}

TEST_F(CognitoWire, ATemporaryPasswordMustBeChangedAtTheFirstSignIn) {
  ASSERT_EQ(api_.call("AdminCreateUser", {{"UserPoolId", pool_}, {"Username", "cy"}, {"TemporaryPassword", "Temp-Password-1"}})
                .body["User"]["UserStatus"],
            "FORCE_CHANGE_PASSWORD");
  const auto challenged = api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_PASSWORD_AUTH"},
                                                     {"AuthParameters", {{"USERNAME", "cy"}, {"PASSWORD", "Temp-Password-1"}}}});
  ASSERT_EQ(challenged.body["ChallengeName"], "NEW_PASSWORD_REQUIRED") << challenged.body.dump();
  EXPECT_TRUE(json::parse(challenged.body["ChallengeParameters"]["userAttributes"].get<std::string>()).is_object());
  const std::string session = challenged.body["Session"];
  auto respond = [&](const std::string& user, const std::string& password, const std::string& with_session) {
    return answer({{"ClientId", client_}, {"ChallengeName", "NEW_PASSWORD_REQUIRED"}, {"Session", with_session},
                   {"ChallengeResponses", {{"USERNAME", user}, {"NEW_PASSWORD", password}}}});
  };
  EXPECT_EQ(respond("cy", "short", session).body["__type"], "InvalidPasswordException");
  EXPECT_EQ(respond("ana", "New-Password-22", session).body["__type"], "NotAuthorizedException") << "another user's session";
  EXPECT_EQ(respond("cy", "New-Password-22", "made-up").body["__type"], "NotAuthorizedException");
  const auto done = respond("cy", "New-Password-22", session);
  ASSERT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(respond("cy", "New-Password-23", session).body["__type"], "NotAuthorizedException") << "a session is used once";
  // The new password is permanent; the temporary one is gone.
  EXPECT_EQ(api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_PASSWORD_AUTH"},
                                       {"AuthParameters", {{"USERNAME", "cy"}, {"PASSWORD", "Temp-Password-1"}}}})
                .body["__type"],
            "NotAuthorizedException");
  const auto signed_in = api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_PASSWORD_AUTH"},
                                                    {"AuthParameters", {{"USERNAME", "cy"}, {"PASSWORD", "New-Password-22"}}}});
  ASSERT_EQ(signed_in.status, 200);
  const auto me = api_.call("GetUser", {{"AccessToken", signed_in.body["AuthenticationResult"]["AccessToken"]}});
  ASSERT_EQ(me.status, 200) << me.body.dump();
  EXPECT_EQ(me.body["Username"], "cy");
  EXPECT_EQ(api_.call("GetUser", {{"AccessToken", signed_in.body["AuthenticationResult"]["IdToken"]}}).body["__type"],
            "NotAuthorizedException")
      << "an ID token is not an access token";
}

TEST_F(CognitoWire, APermanentPasswordSetByAnAdminSignsInAtOnce) {
  api_.call("AdminCreateUser", {{"UserPoolId", pool_}, {"Username", "di"}, {"TemporaryPassword", "Temp-Password-1"}});
  ASSERT_EQ(api_.call("AdminSetUserPassword", {{"UserPoolId", pool_}, {"Username", "di"}, {"Password", "Perm-Password-1"},
                                               {"Permanent", true}})
                .status,
            200);
  EXPECT_EQ(api_.call("InitiateAuth", {{"ClientId", client_}, {"AuthFlow", "USER_PASSWORD_AUTH"},
                                       {"AuthParameters", {{"USERNAME", "di"}, {"PASSWORD", "Perm-Password-1"}}}})
                .status,
            200);
  EXPECT_EQ(api_.call("AdminSetUserPassword", {{"UserPoolId", pool_}, {"Username", "nobody"}, {"Password", "Perm-Password-1"}})
                .body["__type"],
            "UserNotFoundException");
}

// AdminCreateUser is one call to Cognito; the fake's wire layer makes it from three port calls. A
// throttle must not land between them (the user created, its password never made temporary, the
// client told "throttled" and its retry told "exists"): the steps after the creation are follow-ups.
TEST(CognitoWireQuotas, AdminCreateUserIsOneCallUnderThrottling) {
  for (const bool follow_ups : {true, false}) {
    VirtualClock clock(from_unix_seconds(1764150203));
    FakeCognito cognito(clock, Rng(7), CognitoQuotas{1000, 1000, "us-east-1"});
    cognito_wire::CognitoApi api(
        cognito,
        [&](Task<void> t) {
          spawn(std::move(t));
          clock.run();
        },
        [&](const std::string& c, const std::string& u) { return cognito.mailbox(c, u); }, Rng(8),
        follow_ups ? std::function<void(bool)>([&](bool on) { cognito.set_follow_up(on); }) : nullptr);
    const std::string pool = api.call("CreateUserPool", {{"PoolName", "tenants"}}).body["UserPool"]["Id"];
    // Use up this second's reads and sign-ins ("auth" quota), then create a user in the same second.
    int reads = 0;
    while (api.call("AdminGetUser", {{"UserPoolId", pool}, {"Username", "nobody"}}).body.value("__type", "") != "TooManyRequestsException")
      ASSERT_LT(++reads, 2000);
    const auto made = api.call("AdminCreateUser", {{"UserPoolId", pool}, {"Username", "bob"}, {"TemporaryPassword", "Temporary-Pass-1"}});
    if (follow_ups) {
      ASSERT_EQ(made.status, 200) << made.body.dump();
      EXPECT_EQ(made.body["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    } else {
      EXPECT_EQ(made.body.value("__type", ""), "TooManyRequestsException") << "without follow-ups the call fails half done";
      clock.advance_to(clock.now() + std::chrono::seconds(1));
      EXPECT_EQ(api.call("AdminCreateUser", {{"UserPoolId", pool}, {"Username", "bob"}, {"TemporaryPassword", "Temporary-Pass-1"}})
                    .body.value("__type", ""),
                "UsernameExistsException");
    }
  }
}

TEST(OpenWeatherMap, TheFakesDocumentsSurviveTheApiShapes) {
  const json current = {{"name", "Oslo"}, {"cod", 200},
                        {"current", {{"dt_offset_days", 0}, {"temp_c", -7}, {"humidity", 80}, {"description", "snow"}, {"wind_mps", 12}}}};
  const json forecast = {{"name", "Oslo"}, {"cod", 200}, {"list", json::array({
      {{"dt_offset_days", 1}, {"temp_c", 3}, {"humidity", 40}, {"description", "mist"}, {"wind_mps", 1}},
      {{"dt_offset_days", 2}, {"temp_c", 31}, {"humidity", 20}, {"description", "few clouds"}, {"wind_mps", 0}}})}};
  const json alerts = {{"name", "Oslo"}, {"cod", 200}, {"alerts", json::array({{{"event", "Wind advisory"}, {"sender_name", "MET"}}})}};
  for (const std::string units : {"standard", "metric", "imperial"}) {
    // A client asks in metric; the other units must still carry the same temperature back.
    const bool metric = units == "metric";
    auto back = owm_wire::from_api(WeatherKind::kCurrent, owm_wire::to_api(WeatherKind::kCurrent, current, units, 1700000000), 3, "Oslo");
    ASSERT_TRUE(back.ok());
    if (metric) EXPECT_EQ(*back, current);
    else EXPECT_NE(*back, current) << units << " is not Celsius";
  }
  auto f = owm_wire::from_api(WeatherKind::kForecast, owm_wire::to_api(WeatherKind::kForecast, forecast, "metric", 1700000000), 5, "Oslo");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, forecast);
  auto a = owm_wire::from_api(WeatherKind::kAlerts, owm_wire::to_api(WeatherKind::kAlerts, alerts, "metric", 1700000000), 3, "Oslo");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, alerts);
}

TEST(OpenWeatherMap, AThreeHourlyForecastBecomesOneSampleADay) {
  // The real API's forecast: a sample every 3 hours for 5 days.
  json list = json::array();
  for (int i = 0; i < 40; ++i)
    list.push_back({{"dt", 1700000000 + 10800 * i}, {"main", {{"temp", 10.4 + i}, {"humidity", i}}},
                    {"weather", json::array({{{"description", "light rain"}}})}, {"wind", {{"speed", 2.6}}}});
  auto f = owm_wire::from_api(WeatherKind::kForecast, {{"list", list}, {"city", {{"name", "Dublin"}}}}, 3, "dublin");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ((*f)["list"].size(), 3u);
  EXPECT_EQ((*f)["name"], "Dublin");
  for (int d = 0; d < 3; ++d) {
    EXPECT_EQ((*f)["list"][d]["dt_offset_days"], d + 1);
    EXPECT_EQ((*f)["list"][d]["temp_c"], 10 + 8 * d) << "the first sample of each day, rounded";
    EXPECT_EQ((*f)["list"][d]["wind_mps"], 3);
  }
  auto broken = owm_wire::from_api(WeatherKind::kCurrent, {{"cod", 200}}, 3, "Dublin");
  ASSERT_FALSE(broken.ok()) << "an answer without main.temp is not weather";
  EXPECT_EQ(broken.error().kind, ErrorKind::kUnavailable);
}

TEST(EventStream, TheEmptyMessageIsThePublishedVector) {
  const std::string bytes = wire::encode_event({});
  EXPECT_EQ(hex(bytes), "000000100000000005c248eb7d98c8ff");
  auto back = wire::decode_events(bytes);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_TRUE((*back)[0].headers.empty() && (*back)[0].payload.empty());
}

TEST(EventStream, MessagesRoundTripInOrder) {
  const std::string stream = wire::encode_event(wire::json_event("messageStart", R"({"role":"assistant"})")) +
                             wire::encode_event(wire::json_event("contentBlockDelta", std::string(300, 'x')));
  auto back = wire::decode_events(stream);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ(*(*back)[0].header(":event-type"), "messageStart");
  EXPECT_EQ(*(*back)[0].header(":message-type"), "event");
  EXPECT_EQ((*back)[0].payload, R"({"role":"assistant"})");
  EXPECT_EQ((*back)[1].payload, std::string(300, 'x'));
  EXPECT_EQ((*back)[1].header(":exception-type"), nullptr);
}

TEST(EventStream, ADamagedFrameIsRefused) {
  const std::string good = wire::encode_event(wire::json_event("metadata", R"({"usage":{}})"));
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(wire::decode_events(bad)) << "a flipped bit at byte " << i;
  }
  EXPECT_FALSE(wire::decode_events(good.substr(0, good.size() - 1)));
  EXPECT_FALSE(wire::decode_events(good + good.substr(0, 5)));
}

}  // namespace
}  // namespace tenantsim
