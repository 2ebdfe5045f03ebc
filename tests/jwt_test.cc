// Every JWT attack the verifier must refuse, each against a token that is otherwise valid.
#include <nlohmann/json.hpp>

#include "core/auth/base64url.h"
#include "harness/token_forge.h"
#include "tests/test_support.h"

namespace tenantsim {
namespace {

using nlohmann::json;
using testing::make_world;
using testing::must;

Jwt decode(const std::string& token) { return decode_jwt(token); }
std::string encode(const json& header, const json& payload, const std::string& signature) {
  return encode_jwt(header, payload, signature);
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world = make_world();
    acme = must(world->new_tenant("acme", "advanced"));
    tenant = *world->system->tenants().find("acme");
  }
  int status_with(const std::string& token) { return world->call("GET", "/api/tenants/acme/subscription", token).status; }
  std::string code_with(const std::string& token) {
    return world->call("GET", "/api/tenants/acme/subscription", token).body.value("code", "");
  }
  // A token with these claims, correctly signed by the tenant's user pool.
  std::string signed_with(const json& claims) { return world->cognito.sign_claims(tenant.pool_id, claims.dump()); }
  json valid_claims() { return decode(acme.token).payload; }
  // The error code for a correctly signed token whose valid claims were changed by `edit`.
  template <class Edit>
  std::string code_for_claims(Edit edit) {
    json c = valid_claims();
    edit(c);
    return code_with(signed_with(c));
  }

  std::unique_ptr<World> world;
  World::Account acme;
  Tenant tenant;
};

TEST_F(JwtTest, ValidTokenIsAccepted) { EXPECT_EQ(status_with(acme.token), 200); }

TEST_F(JwtTest, MissingTokenIs401) {
  auto r = world->call("GET", "/api/tenants/acme/subscription");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body["code"], "MissingToken");
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  EXPECT_EQ(code_with(forge_alg_none(decode(acme.token))), "UnsupportedAlgorithm");
}

TEST_F(JwtTest, Hs256SignedWithThePublicKeyIsRefused) {
  // The classic confusion: sign with HMAC using the RSA public key as the secret.
  auto jwks = json::parse(world->run(world->cognito.jwks(tenant.pool_id)).value());
  const std::string token = forge_hs256(decode(acme.token), jwks["keys"][0]["n"].get<std::string>());
  EXPECT_EQ(status_with(token), 401);
  EXPECT_EQ(code_with(token), "UnsupportedAlgorithm");
}

TEST_F(JwtTest, SignedWithAnAttackersKeyIsRefused) {
  Jwt t = decode(acme.token);
  t.payload["custom:tenant_id"] = "globex";
  EXPECT_EQ(code_with(forge_with_own_key(t)), "InvalidSignature");
}

TEST_F(JwtTest, EditedClaimsBreakTheSignature) {
  Jwt t = decode(acme.token);
  t.payload["custom:tenant_id"] = "globex";  // tenant switch
  EXPECT_EQ(code_with(encode(t.header, t.payload, t.signature)), "InvalidSignature");
  t = decode(acme.token);
  t.payload["custom:subscription_tier"] = "premium";  // tier escalation
  EXPECT_EQ(code_with(encode(t.header, t.payload, t.signature)), "InvalidSignature");
  t = decode(acme.token);
  t.payload["cognito:groups"] = json::array({"acme-admins", "globex-admins"});
  EXPECT_EQ(code_with(encode(t.header, t.payload, t.signature)), "InvalidSignature");
}

TEST_F(JwtTest, UnknownKidIsRefused) {
  Jwt t = decode(acme.token);
  t.header["kid"] = "not-a-published-kid";
  EXPECT_EQ(code_with(encode(t.header, t.payload, t.signature)), "UnknownKeyId");
}

TEST_F(JwtTest, ExpiredTokenIsRefusedAfterLeeway) {
  world->clock.advance(std::chrono::minutes(60));  // exactly exp: still inside the 60 s leeway
  EXPECT_EQ(status_with(acme.token), 200);
  world->clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(code_with(acme.token), "TokenExpired");
}

TEST_F(JwtTest, NotYetValidTokenIsRefused) {
  EXPECT_EQ(code_for_claims([&](json& c) { c["nbf"] = to_unix_seconds(world->clock.now()) + 600; }), "TokenNotYetValid");
  EXPECT_EQ(code_for_claims([&](json& c) { c["iat"] = to_unix_seconds(world->clock.now()) + 600; }), "TokenNotYetValid");
}

// A time claim that is not a number is no time: the token is refused, where reading it as absent
// once skipped the nbf check altogether.
TEST_F(JwtTest, TimeClaimsOfAnotherTypeAreRefused) {
  const int64_t later = to_unix_seconds(world->clock.now()) + 600;
  EXPECT_EQ(code_for_claims([&](json& c) { c["nbf"] = std::to_string(later); }), "MalformedTimeClaims");
  EXPECT_EQ(code_for_claims([&](json& c) { c["nbf"] = nullptr; }), "MalformedTimeClaims");
  EXPECT_EQ(code_for_claims([&](json& c) { c["exp"] = std::to_string(later); }), "MalformedTimeClaims");
  EXPECT_EQ(code_for_claims([&](json& c) { c["iat"] = 1.5; }), "MalformedTimeClaims");
  EXPECT_EQ(code_for_claims([&](json& c) { c["auth_time"] = json::array(); }), "MalformedTimeClaims");
}

// A claim nested past any sane depth, correctly signed: refused before anything walks it.
// The nesting is written as text: serializing 5000 levels with nlohmann's recursive dump would
// overflow the test's own stack under clang's ASan, before the verifier is even asked.
TEST_F(JwtTest, DeeplyNestedClaimsAreRefused) {
  json c = valid_claims();
  c["x"] = "NESTED";
  std::string text = c.dump();
  text.replace(text.find("\"NESTED\""), 8, std::string(5000, '[') + std::string(5000, ']'));
  EXPECT_EQ(code_with(world->cognito.sign_claims(tenant.pool_id, text)), "MalformedToken");
}

TEST_F(JwtTest, WrongIssuerIsRefused) {
  EXPECT_EQ(code_for_claims([&](json& c) { c["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_attacker"; }), "UntrustedIssuer");
}

TEST_F(JwtTest, WrongAudienceIsRefused) {
  EXPECT_EQ(code_for_claims([&](json& c) { c["aud"] = "some-other-app-client"; }), "WrongAudience");
}

TEST_F(JwtTest, WrongTokenUseIsRefused) {
  EXPECT_EQ(code_for_claims([&](json& c) { c["token_use"] = "refresh"; }), "WrongTokenUse");
}

TEST_F(JwtTest, MissingTenantClaimsAreRefused) {
  EXPECT_EQ(code_for_claims([&](json& c) { c.erase("custom:tenant_id"); }), "MissingTenantClaims");
  EXPECT_EQ(code_for_claims([&](json& c) { c.erase("custom:subscription_tier"); }), "MissingTenantClaims");
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  for (const std::string bad : {"abc", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30.e30"}) {
    auto r = world->call("GET", "/api/tenants/acme/subscription", bad);
    EXPECT_EQ(r.status, 401) << bad;
  }
}

TEST_F(JwtTest, AccessTokensCarryTenantClaimsAndAreAccepted) {
  auto r = world->call("POST", "/api/auth/login", "",
                       {{"tenant_id", "acme"}, {"username", acme.username}, {"password", acme.password}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(status_with(r.body["access_token"].get<std::string>()), 200);
}

TEST_F(JwtTest, RotatedKeysVerifyAndRetiredKeysStop) {
  const std::string old_token = acme.token;
  world->cognito.rotate_keys(tenant.pool_id);
  world->clock.advance(std::chrono::minutes(2));  // past the JWKS refetch interval
  auto fresh = world->login(acme);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(status_with(*fresh), 200);   // new kid: fetched on demand
  EXPECT_EQ(status_with(old_token), 200);  // old key still published
  world->cognito.retire_old_keys(tenant.pool_id);
  world->clock.advance(std::chrono::minutes(2));
  // The old token is cached as verified until it expires; a new signature with the old kid is not.
  Jwt t = decode(old_token);
  t.payload["jti"] = "different";
  EXPECT_EQ(status_with(encode(t.header, t.payload, t.signature)), 401);
}

TEST_F(JwtTest, SiloPoolTokensMustNameTheSiloTenant) {
  auto premium = must(world->new_tenant("initech", "premium"));
  const Tenant silo = *world->system->tenants().find("initech");
  ASSERT_EQ(silo.deployment, Deployment::kSilo);
  json c = decode(premium.token).payload;
  c["custom:tenant_id"] = "acme";  // a silo pool issuing for another tenant
  const std::string token = world->cognito.sign_claims(silo.pool_id, c.dump());
  EXPECT_EQ(code_with(token), "TenantPoolMismatch");
}

TEST_F(JwtTest, SignatureDefectIsCaughtByTheAttackTests) {
  // With the defect on, an edited token passes: the test above would fail.
  auto bad = make_world(testing::with(Defect::kJwtSignatureNotVerified));
  auto a = must(bad->new_tenant("acme", "advanced"));
  Jwt t = decode(a.token);
  t.payload["custom:subscription_tier"] = "premium";
  EXPECT_EQ(bad->call("GET", "/api/tenants/acme/subscription", encode(t.header, t.payload, "forged")).status, 200);
}

}  // namespace
}  // namespace tenantsim
