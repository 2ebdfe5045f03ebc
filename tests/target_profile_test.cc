// Target profiles (harness/load/target_profile.h): the shipped ones load, a bad one is refused with
// every problem named by its field, templates render with encoded paths, and error texts map to the
// catalogue's codes.
#include "harness/load/target_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/load/load_plan.h"

namespace tenantsim::load {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

TEST(TargetProfile, TheShippedProfilesLoad) {
  for (const char* name : {"tenantsim", "seed-000"}) {
    auto p = load_target_profile(name, TENANTSIM_DATA_DIR);
    ASSERT_TRUE(p.ok()) << name << ": " << p.error().message;
    EXPECT_EQ(p->name, name);
    EXPECT_FALSE(p->token_routes.empty());
    EXPECT_FALSE(p->admin_routes.empty());
  }
  auto seed = load_target_profile("seed-000", TENANTSIM_DATA_DIR);
  EXPECT_EQ(seed->onboarding, Onboarding::kCognito);
  EXPECT_EQ(seed->session.ok, std::set<int>{200});  // the sample answers every success 200
  EXPECT_EQ(seed->no_token, (std::set<int>{401, 403}));
}

TEST(TargetProfile, AnUnknownNameSaysWhichExist) {
  auto p = load_target_profile("seed-999", TENANTSIM_DATA_DIR);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::kBadRequest);
  EXPECT_THAT(p.error().message, HasSubstr("tenantsim and seed-000"));
}

TEST(TargetProfile, EveryProblemIsNamedByItsField) {
  json doc = json::parse(R"({
    "name": "mine",
    "identity": {"users": "ldap", "token": "refresh"},
    "session": {"route": {"method": "FETCH", "path": "api/sessions"}, "session_id": "session_id"},
    "routes": {"chat": {"method": "POST", "path": "/chat/{tenant}"},
               "usage": {"method": "GET", "path": "/u", "ok": [200, 99]},
               "subscription": {"method": "GET", "path": "/s"}},
    "token_routes": [],
    "admin_routes": [{"method": "GET", "path": "/a", "bdoy": {}}],
    "chat_answer": {"text": "/a~2b"},
    "refusals": {"no_token": [401], "untrusted_token": [200], "forbidden": "403"}
  })");
  auto p = parse_target_profile(doc, "mine.json");
  ASSERT_FALSE(p.ok());
  const std::string& m = p.error().message;
  for (const char* expected :
       {"mine.json", "identity.users: must be \"tenantsim-api\" or \"cognito\"", "identity.token: must be",
        "session.route.method: must be one of", "session.route.path: must start with '/'",
        "session.session_id: must be a JSON pointer", "routes.chat.path: unknown placeholder {tenant}",
        "routes.usage.ok: must be a non-empty list", "routes.costs: is required", "token_routes: must be a non-empty list",
        "admin_routes[0].bdoy: unknown field", "refusals.untrusted_token: a refusal is a 4xx status",
        "refusals.forbidden: must be a non-empty list", "chat_answer.text: must be a JSON pointer"})
    EXPECT_THAT(m, HasSubstr(expected));
}

TEST(TargetProfile, TemplatesRenderWithPathValuesEncoded) {
  RouteTemplate t{"POST", "/api/tenants/{tenant_id}/users/{user_id}?days=1",
                  json::parse(R"({"email": "{username}", "ctx": {"tenant": "{tenant_id}", "n": ["{n}"]}, "k": 3})"),
                  {200}, "routes.x"};
  TemplateVars v;
  v.tenant_id = "acme corp/1";
  v.user_id = "u-1";
  v.username = "ana@acme.example";
  v.n = "2";
  const RenderedRequest r = render(t, v);
  EXPECT_EQ(r.path, "/api/tenants/acme%20corp%2F1/users/u-1?days=1");
  EXPECT_EQ(r.body, json::parse(R"({"email": "ana@acme.example", "ctx": {"tenant": "acme corp/1", "n": ["2"]}, "k": 3})"));
}

TEST(TargetProfile, ErrorTextsMapToTheCatalogueCodes) {
  auto seed = load_target_profile("seed-000", TENANTSIM_DATA_DIR);
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->code_of(R"({"detail": "Daily message limit exceeded"})"), "DailyLimitExceeded");
  EXPECT_EQ(seed->code_of(R"({"detail": "Access denied"})"), "Access denied");
  EXPECT_EQ(seed->code_of("Internal Server Error"), "");
  auto ours = load_target_profile("tenantsim", TENANTSIM_DATA_DIR);
  EXPECT_EQ(ours->code_of(R"({"detail": "x", "code": "MonthlyLimitExceeded"})"), "MonthlyLimitExceeded");
}

TEST(TargetProfile, AChatAnswered200CanStillSayItFailed) {
  auto seed = load_target_profile("seed-000", TENANTSIM_DATA_DIR);
  ASSERT_TRUE(seed.ok());
  EXPECT_TRUE(seed->chat_failed(json::parse(R"({"response": "x", "usage_metrics": {"error": true}})")));
  EXPECT_TRUE(seed->chat_failed(json::parse(R"({"response": "Agent Error: throttled", "usage_metrics": {}})")));
  EXPECT_FALSE(seed->chat_failed(json::parse(R"({"response": "Fine.", "usage_metrics": {"agentic_processing": true}})")));
  EXPECT_FALSE(seed->chat_failed(json::parse(R"("not an object")")));
  json doc = json::parse(R"({"name": "m", "identity": {"users": "tenantsim-api"},
    "session": {"route": {"method": "POST", "path": "/s"}, "session_id": "/id"},
    "routes": {"chat": {"method": "POST", "path": "/c"}, "usage": {"method": "GET", "path": "/u"},
               "subscription": {"method": "GET", "path": "/s"}, "costs": {"method": "GET", "path": "/c"}},
    "token_routes": [{"method": "GET", "path": "/u"}], "admin_routes": [{"method": "GET", "path": "/a"}],
    "chat_answer": {"failed_when": [{"pointer": "/error"}, {"pointer": "/e", "equals": 1, "starts_with": "x"}]},
    "refusals": {"no_token": [401], "untrusted_token": [401], "forbidden": [403]}})");
  auto p = parse_target_profile(doc, "m.json");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message, HasSubstr("chat_answer.failed_when[0]: needs exactly one of"));
  EXPECT_THAT(p.error().message, HasSubstr("chat_answer.failed_when[1]: needs exactly one of"));
}

TEST(TargetProfile, EachProbeIsJudgedByItsClassOfRefusal) {
  auto seed = load_target_profile("seed-000", TENANTSIM_DATA_DIR);
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(refusals_of(*seed, Kind::kNoToken), (std::set<int>{401, 403}));
  EXPECT_EQ(refusals_of(*seed, Kind::kCrossTenant), std::set<int>{403});
  EXPECT_EQ(refusals_of(*seed, Kind::kAlgNone), (std::set<int>{401, 403}));
  auto ours = load_target_profile("tenantsim", TENANTSIM_DATA_DIR);
  EXPECT_EQ(refusals_of(*ours, Kind::kNoToken), std::set<int>{401});
  EXPECT_EQ(refusals_of(*ours, Kind::kEscalation), std::set<int>{403});
}

TEST(TargetProfile, AForgedTokenReachesForTheTenantItsClaimNames) {
  auto seed = load_target_profile("seed-000", TENANTSIM_DATA_DIR);
  ASSERT_TRUE(seed.ok());
  LoadTenant own{"acme", "basic", 0}, other{"beta", "premium", 1};
  LoadUser u;
  u.sub = "sub-1";
  u.username = "user0@acme.example";
  Planned p;
  p.kind = Kind::kAlgNone;
  EXPECT_EQ(request_of(*seed, p, u, own, other, "").path, "/api/tenants/beta/usage");
  p.kind = Kind::kCrossTenantChat;
  const RenderedRequest chat = request_of(*seed, p, u, own, other, "hello");
  EXPECT_EQ(chat.body["tenant_context"]["tenant_id"], "beta");
  EXPECT_EQ(chat.body["tenant_context"]["user_id"], "sub-1");
  EXPECT_EQ(chat.body["message"], "hello");
  p.kind = Kind::kEscalation;
  p.route = 0;  // add-to-group naming oneself in one's own tenant
  const RenderedRequest promote = request_of(*seed, p, u, own, other, "");
  EXPECT_EQ(promote.path, "/api/admin/add-to-group");
  EXPECT_EQ(promote.body, json::parse(R"({"email": "user0@acme.example", "tenant_id": "acme"})"));
}

}  // namespace
}  // namespace tenantsim::load
