// The rules of the system under test, end to end through the router on the fakes: each rule with
// a case that holds and, where a defect from the catalog breaks it, a case that shows it breaking.
#include "harness/token_forge.h"
#include "tests/test_support.h"

namespace tenantsim {
namespace {

using nlohmann::json;
using testing::make_world;
using testing::must;
using testing::with;

struct Fixture {
  std::unique_ptr<World> w;
  std::string session(const World::Account& a) {
    auto r = w->call("POST", "/api/sessions", a.token);
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("session_id", "");
  }
  ApiResponse chat(const World::Account& a, const std::string& sid, const std::string& msg,
                   const std::string& tenant = "") {
    return w->call("POST", "/api/chat", a.token,
                   {{"message", msg},
                    {"tenant_context", {{"tenant_id", tenant.empty() ? a.tenant_id : tenant}, {"user_id", a.sub}, {"session_id", sid}}}});
  }
};

TEST(System, HealthNeedsNoToken) {
  Fixture f{make_world()};
  auto r = f.w->call("GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["status"], "healthy");
  EXPECT_EQ(r.body["defect_catalog"], "compiled in");
  EXPECT_EQ(r.body["defects_on"], json::array());
}

// A system with a safeguard switched off says which, to anyone who checks its health.
TEST(System, HealthNamesTheDefectsSwitchedOn) {
  Fixture f{make_world(with(Defect::kJwtSignatureNotVerified))};
  auto r = f.w->call("GET", "/health");
  EXPECT_EQ(r.body["defects_on"], json::array({"jwt-signature-not-verified"}));
}

TEST(System, RegistrationNeedsEmailVerificationAndRefusesTakenTenants) {
  Fixture f{make_world()};
  auto r = f.w->call("POST", "/api/register", "",
                     {{"tenant_id", "acme"}, {"username", "a@acme"}, {"password", "password-1"}, {"subscription_tier", "basic"}});
  ASSERT_EQ(r.status, 201);
  auto login = f.w->call("POST", "/api/auth/login", "", {{"tenant_id", "acme"}, {"username", "a@acme"}, {"password", "password-1"}});
  EXPECT_EQ(login.status, 403);
  EXPECT_EQ(login.body["code"], "UserNotConfirmedException");
  auto again = f.w->call("POST", "/api/register", "",
                         {{"tenant_id", "acme"}, {"username", "evil@x"}, {"password", "password-1"}, {"subscription_tier", "premium"}, {"admin", true}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["code"], "TenantExists");
}

// A registration whose first user cannot be created gives its tenant id back: sending it again
// (a better password, after a throttle) succeeds, and a silo tenant's half-built pool is gone.
TEST(System, AFailedRegistrationCanBeSentAgain) {
  Fixture f{make_world()};
  for (const std::string tier : {"basic", "premium"}) {
    const std::string id = "retry-" + tier;
    json body = {{"tenant_id", id}, {"username", "a@" + id}, {"password", "x"}, {"subscription_tier", tier}, {"admin", true}};
    auto weak = f.w->call("POST", "/api/register", "", body);
    ASSERT_EQ(weak.status, 400) << weak.body.dump();
    EXPECT_EQ(weak.body["code"], "InvalidPasswordException");
    EXPECT_FALSE(f.w->system->tenants().find(id)) << tier << ": the failed registration left its tenant behind";
    body["password"] = "password-1";
    auto again = f.w->call("POST", "/api/register", "", body);
    ASSERT_EQ(again.status, 201) << tier << ": " << again.body.dump();
    auto confirm = f.w->call("POST", "/api/register/confirm", "",
                             {{"tenant_id", id}, {"username", "a@" + id}, {"code", f.w->mailbox(f.w->system->tenants().find(id)->client_id, "a@" + id)}});
    EXPECT_EQ(confirm.status, 200) << confirm.body.dump();
    auto login = f.w->call("POST", "/api/auth/login", "", {{"tenant_id", id}, {"username", "a@" + id}, {"password", "password-1"}});
    EXPECT_EQ(login.status, 200) << login.body.dump();
  }
  // The silo tenant's first, abandoned pool was deleted (the pooled one is shared and stays).
  EXPECT_EQ(f.w->cognito.ledger().requests_by_operation["DeleteUserPool"], 1u);
}

// A Cognito failure at each call of a registration in turn (creating the silo pool, its client and
// groups, the sign-up, the tenant claims, the owner's admin group), the registration sent again
// after each: none may leave its id or its user behind (the retry would get 409 or
// UsernameExistsException), and the last gets through.
TEST(System, ARegistrationThatFailsAtAnyCognitoStepCanBeSentAgain) {
  Fixture f{make_world()};
  for (const std::string tier : {"basic", "premium"}) {
    const uint64_t before = f.w->cognito_faults().injected_failures();
    auto owner = f.w->new_tenant_through_faults("walk-" + tier, tier);
    ASSERT_TRUE(owner.ok()) << tier << ": " << owner.error().message;
    EXPECT_GE(f.w->cognito_faults().injected_failures() - before, tier == "basic" ? 3u : 6u) << tier;
    auto r = f.w->call("GET", "/api/admin/my-tenants", owner->token);
    EXPECT_EQ(r.status, 200) << tier << ": the owner is its tenant's admin: " << r.body.dump();
  }
}

TEST(System, LoginIntoAnotherPooledTenantIsRefused) {
  Fixture f{make_world()};
  auto acme = must(f.w->new_tenant("acme", "basic"));
  must(f.w->new_tenant("globex", "basic"));  // same pooled user pool as acme
  auto r = f.w->call("POST", "/api/auth/login", "", {{"tenant_id", "globex"}, {"username", acme.username}, {"password", acme.password}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body["code"], "NotAuthorizedException");
  EXPECT_TRUE(f.w->login(acme).ok());
}

TEST(System, BadInputGetsA400NamingTheField) {
  Fixture f{make_world()};
  auto r = f.w->call("POST", "/api/register", "", {{"tenant_id", "acme"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body["detail"].get<std::string>().find("username"), std::string::npos);
  r = f.w->call("POST", "/api/register", "",
                {{"tenant_id", "ACME!"}, {"username", "u"}, {"password", "password-1"}, {"subscription_tier", "basic"}});
  EXPECT_EQ(r.body["code"], "InvalidTenantId");
  r = f.w->call("POST", "/api/register", "",
                {{"tenant_id", "acme"}, {"username", "u"}, {"password", "password-1"}, {"subscription_tier", "gold"}});
  EXPECT_EQ(r.body["code"], "UnknownTier");
  auto a = must(f.w->new_tenant("acme", "basic"));
  ApiRequest req{"POST", "/api/chat", "Bearer " + a.token, "{not json", {}, {}, {}};
  EXPECT_EQ(f.w->run(route(*f.w->system, req)).status, 400);
  EXPECT_EQ(f.w->call("GET", "/api/nope", a.token).status, 404);
}

TEST(System, WrongMethodIs405WithAllow) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "basic"));
  auto r = f.w->call("GET", "/api/chat", a.token);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["Allow"], "POST");
  EXPECT_EQ(r.body["code"], "MethodNotAllowed");
  EXPECT_EQ(f.w->call("POST", "/api/register").status, 400) << "the right method reaches the endpoint";
}

TEST(System, ChatAnswersAndMetersEveryMetric) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "advanced"));
  const std::string sid = f.session(a);
  EXPECT_GE(sid.size(), 33u);  // AgentCore runtime session ids are at least 33 characters
  auto r = f.chat(a, sid, "hello there");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["tenant_id"], "acme");
  EXPECT_EQ(r.body["session_id"], sid);
  EXPECT_GT(r.body["usage_metrics"]["output_tokens"].get<int64_t>(), 0);
  auto usage = f.w->call("GET", "/api/tenants/acme/usage", a.token);
  ASSERT_EQ(usage.status, 200);
  EXPECT_EQ(usage.body["metrics"]["bedrock_invocation"], 1);
  EXPECT_EQ(usage.body["metrics"]["bedrock_input_tokens"], r.body["usage_metrics"]["input_tokens"]);
  EXPECT_EQ(usage.body["metrics"]["bedrock_output_tokens"], r.body["usage_metrics"]["output_tokens"]);
}

TEST(System, MemoryIsPerSessionAndReachesTheModel) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "premium"));
  const std::string s1 = f.session(a);
  ASSERT_EQ(f.chat(a, s1, "canary-acme-7731").status, 200);
  auto r = f.chat(a, s1, "what did I say?");
  EXPECT_NE(r.body["response"].get<std::string>().find("earlier: canary-acme-7731"), std::string::npos);
  // A new session starts without the conversation, but with the actor's long-term memory.
  const std::string s2 = f.session(a);
  r = f.chat(a, s2, "what did I say?");
  const std::string answer = r.body["response"];
  EXPECT_EQ(answer.find("earlier: canary-acme-7731"), std::string::npos);
  const auto remembered = answer.find("remembered: ");
  ASSERT_NE(remembered, std::string::npos) << answer;
  EXPECT_NE(answer.find("canary-acme-7731", remembered), std::string::npos) << answer;
  // Another user of the same tenant has a memory of their own.
  auto b = must(f.w->add_user(a, "bob"));
  r = f.chat(b, f.session(b), "what did I say?");
  EXPECT_EQ(r.body["response"].get<std::string>().find("canary-acme-7731"), std::string::npos);
}

// Silo tenants have a user pool each, so usernames repeat across tenants: "owner" of acme and of
// globex are different people. Memory keyed by username (no tenant) hands one's memory to the other.
void two_owners_chat(Fixture& f, bool expect_leak) {
  auto acme = must(f.w->new_tenant("acme", "premium", true, 0, "owner"));
  auto globex = must(f.w->new_tenant("globex", "premium", true, 0, "owner"));
  ASSERT_EQ(f.chat(acme, f.session(acme), "secret cnry:acme:").status, 200);
  auto r = f.chat(globex, f.session(globex), "what do you remember?");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["response"].get<std::string>().find("cnry:acme:") != std::string::npos, expect_leak);
}

TEST(System, LongTermMemoryIsPerTenantAndUser) {
  Fixture f{make_world()};
  two_owners_chat(f, false);
}

TEST(System, MemoryActorWithoutTenantDefectLeaksAcrossTenants) {
  Fixture f{make_world(with(Defect::kMemoryActorWithoutTenant))};
  two_owners_chat(f, true);
}

TEST(System, CrossTenantAccessIsRefusedOnEveryEndpoint) {
  Fixture f{make_world()};
  auto acme = must(f.w->new_tenant("acme", "premium"));
  auto globex = must(f.w->new_tenant("globex", "premium"));
  const std::string gsid = f.session(globex);
  ASSERT_EQ(f.chat(globex, gsid, "canary-globex").status, 200);

  for (const std::string& path : std::vector<std::string>{"/api/tenants/globex/sessions", "/api/tenants/globex/usage", "/api/tenants/globex/subscription",
                                 "/api/tenants/globex/costs", "/api/tenants/globex/users/" + globex.sub + "/costs",
                                 "/api/admin/tenants/globex/overall-cost", "/api/admin/tenants/globex/per-user-cost",
                                 "/api/admin/tenants/globex/service-wise-cost", "/api/admin/tenants/globex/comprehensive-report",
                                 "/api/admin/tenants/globex/users/" + globex.sub + "/service-cost"}) {
    auto r = f.w->call("GET", path, acme.token);
    EXPECT_EQ(r.status, 403) << path;
  }
  // Chat into the other tenant's session, with either tenant named in the body.
  auto r = f.w->call("POST", "/api/chat", acme.token,
                     {{"message", "x"}, {"tenant_context", {{"tenant_id", "globex"}, {"user_id", globex.sub}, {"session_id", gsid}}}});
  EXPECT_EQ(r.status, 403);
  r = f.w->call("POST", "/api/chat", acme.token,
                {{"message", "x"}, {"tenant_context", {{"tenant_id", "acme"}, {"user_id", acme.sub}, {"session_id", gsid}}}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(f.w->call("POST", "/api/admin/tenants/globex/users", acme.token, {{"username", "x"}, {"password", "password-x"}}).status, 403);
  EXPECT_EQ(f.w->call("POST", "/api/admin/add-to-group", acme.token, {{"username", globex.username}, {"group", "globex-admins"}}).status, 403);
  EXPECT_EQ(f.w->call("POST", "/api/admin/add-to-group", acme.token, {{"username", globex.username}}).status, 404);
  EXPECT_EQ(f.w->call("DELETE", "/api/sessions/" + gsid, acme.token).status, 404);
}

TEST(System, TenantFromRequestDefectLetsChatIntoAnotherTenant) {
  Fixture f{make_world(with(Defect::kTenantFromRequest))};
  auto acme = must(f.w->new_tenant("acme", "premium"));
  auto globex = must(f.w->new_tenant("globex", "premium"));
  (void)globex;
  const std::string sid = f.session(acme);
  // The defect trusts tenant_context: the request is no longer refused with 403.
  EXPECT_NE(f.chat(acme, sid, "x", "globex").status, 403);
}

TEST(System, LeadingKeyScopeRefusesForeignPartitionsAndPrefixes) {
  Fixture f{make_world()};
  must(f.w->new_tenant("acme", "basic"));
  must(f.w->new_tenant("acme-corp", "basic"));
  auto scoped = f.w->dynamodb.open("tenant-usage", LeadingKeyScope{"acme"});
  ASSERT_TRUE(scoped.ok());
  auto r = f.w->run((*scoped)->get_item(Key{"acme-corp", "q#x"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().name, "AccessDeniedException");
}

// The mis-written policy (`acme*`) is a decorator over whatever serves the tables: the system's
// handle for `acme` then reaches `acme-corp`, and still not `globex`.
TEST(System, LeadingKeyPrefixDefectLivesAtTheDatabasePort) {
  for (const bool defect : {false, true}) {
    Fixture f{make_world(defect ? with(Defect::kLeadingKeyPrefixMatch) : DefectSet{})};
    must(f.w->new_tenant("acme", "basic"));
    must(f.w->new_tenant("acme-corp", "basic"));
    auto handle = f.w->system->usage_table_for("acme");
    ASSERT_TRUE(handle.ok());
    auto near = f.w->run((*handle)->get_item(Key{"acme-corp", "q#x"}));
    EXPECT_EQ(near.ok(), defect);
    auto far = f.w->run((*handle)->get_item(Key{"globex", "q#x"}));
    ASSERT_FALSE(far.ok());
    EXPECT_EQ(far.error().name, "AccessDeniedException");
    Item foreign{{"tenant_id", std::string("acme-corp")}, {"sk", std::string("x")}};
    EXPECT_EQ(f.w->run((*handle)->put_item(std::move(foreign))).ok(), defect);
  }
}

// A tenant in Europe/London on the day its clocks go forward (2024-03-31, 23 hours long): the daily
// window ends at local midnight, 23:00Z, so Retry-After from noon is 11 h; a system that ignores
// daylight saving (the dst-ignored defect) says 12 h.
TEST(System, DailyWindowFollowsTheTenantsZoneAcrossDaylightSaving) {
  for (const bool defect : {false, true}) {
    Fixture f{make_world(defect ? with(Defect::kDstIgnored) : DefectSet{})};
    Time noon;
    ASSERT_TRUE(parse_iso8601("2024-03-31T12:00:00Z", noon));
    f.w->clock.advance(noon - f.w->clock.now());
    auto a = must(f.w->new_tenant("acme", "basic", true, 0, "", "Europe/London"));
    const std::string sid = f.session(a);
    const int64_t limit = f.w->system->config().tiers.find("basic")->daily_messages;
    for (int64_t i = 0; i < limit; ++i) ASSERT_EQ(f.chat(a, sid, "m" + std::to_string(i)).status, 200) << i;
    auto r = f.chat(a, sid, "one too many");
    ASSERT_EQ(r.status, 429);
    EXPECT_EQ(r.headers["Retry-After"], std::to_string((defect ? 12 : 11) * 3600)) << "dst-ignored: " << defect;
  }
}

// A time zone at registration is an IANA name the tz database knows, and not given with an offset.
TEST(System, RegistrationTimeZonesAreValidated) {
  Fixture f{make_world()};
  auto reg = [&](nlohmann::json extra) {
    nlohmann::json body{{"tenant_id", "acme"}, {"username", "a@acme"}, {"password", "password-1"}, {"subscription_tier", "basic"}};
    body.update(extra);
    return f.w->call("POST", "/api/register", "", body);
  };
  auto r = reg({{"time_zone", "Mars/Olympus_Mons"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["code"], "UnknownTimeZone");
  r = reg({{"time_zone", "Europe/London"}, {"utc_offset_minutes", 60}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["code"], "InvalidField");
  r = reg({{"time_zone", 5}});
  EXPECT_EQ(r.status, 400);
  r = reg({{"utc_offset_minutes", 15 * 60}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["code"], "InvalidUtcOffset");
  r = reg({{"time_zone", "Asia/Kolkata"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(f.w->system->tenants().find("acme")->zone.name(), "Asia/Kolkata");
}

TEST(System, DailyLimitIsExactAndResetsAtTheTenantsMidnight) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "basic", true, /*utc_offset_minutes=*/120));
  const std::string sid = f.session(a);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(f.chat(a, sid, "m" + std::to_string(i)).status, 200) << i;
  auto r = f.chat(a, sid, "one too many");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body["code"], "DailyLimitExceeded");
  // Day starts at 22:00Z for UTC+2; the clock started at 00:00Z: 22 h to go.
  EXPECT_EQ(r.headers["Retry-After"], std::to_string(22 * 3600));
  f.w->clock.advance(std::chrono::hours(21));
  a.token = *f.w->login(a);  // the ID token lives an hour
  auto sid2 = f.session(a);  // the first session has expired (30 min)
  EXPECT_EQ(f.chat(a, sid2, "still today").status, 429);
  f.w->clock.advance(std::chrono::hours(1));
  a.token = *f.w->login(a);
  sid2 = f.session(a);
  EXPECT_EQ(f.chat(a, sid2, "new day").status, 200);
}

TEST(System, DailyLimitOffByOneDefectAcceptsOneMore) {
  Fixture f{make_world(with(Defect::kDailyLimitOffByOne))};
  auto a = must(f.w->new_tenant("acme", "basic"));
  const std::string sid = f.session(a);
  int accepted = 0;
  for (int i = 0; i < 60; ++i) accepted += f.chat(a, sid, "m").status == 200;
  EXPECT_EQ(accepted, 51);
}

TEST(System, MonthlyLimitHoldsAcrossDaysAndResetsWithTheMonth) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "basic"));
  int accepted = 0;
  // 21 days x 50 messages would be 1,050: the monthly limit of 1,000 stops it on day 21.
  for (int day = 0; day < 21; ++day) {
    auto token = f.w->login(a);
    a.token = *token;
    const std::string sid = f.session(a);
    for (int i = 0; i < 50; ++i) accepted += f.chat(a, sid, "m").status == 200;
    f.w->clock.advance(std::chrono::hours(24));
  }
  EXPECT_EQ(accepted, 1000);
  f.w->clock.advance_to(from_unix_seconds(1706745600));  // 2024-02-01
  a.token = *f.w->login(a);
  EXPECT_EQ(f.chat(a, f.session(a), "february").status, 200);
}

TEST(System, LimitsArePerUser) {
  Fixture f{make_world()};
  auto admin = must(f.w->new_tenant("acme", "basic"));
  auto bob = must(f.w->add_user(admin, "bob"));
  const std::string s1 = f.session(admin);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(f.chat(admin, s1, "m").status, 200);
  EXPECT_EQ(f.chat(admin, s1, "m").status, 429);
  EXPECT_EQ(f.chat(bob, f.session(bob), "m").status, 200);  // bob has his own 50
}

TEST(System, ConcurrentSessionLimitAndRelease) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "advanced"));  // 3 concurrent sessions
  std::vector<std::string> s;
  for (int i = 0; i < 3; ++i) s.push_back(f.session(a));
  auto r = f.w->call("POST", "/api/sessions", a.token);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body["code"], "ConcurrentSessionLimitExceeded");
  EXPECT_EQ(f.w->call("DELETE", "/api/sessions/" + s[0], a.token).status, 200);
  EXPECT_EQ(f.w->call("POST", "/api/sessions", a.token).status, 201);
  EXPECT_EQ(f.chat(a, s[0], "closed session").status, 404);
}

TEST(System, ConcurrentSessionDefectIsVisible) {
  Fixture f{make_world(with(Defect::kConcurrentSessionsIgnored))};
  auto a = must(f.w->new_tenant("acme", "basic"));
  f.session(a);
  EXPECT_EQ(f.w->call("POST", "/api/sessions", a.token).status, 201);  // the limit of 1 is ignored
}

TEST(System, SessionDurationEndsTheSession) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "basic"));  // 30 minutes
  const std::string sid = f.session(a);
  f.w->clock.advance(std::chrono::minutes(29));
  EXPECT_EQ(f.chat(a, sid, "in time").status, 200);
  f.w->clock.advance(std::chrono::minutes(1));
  auto r = f.chat(a, sid, "too late");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["code"], "SessionExpired");
  // The expired session's slot is free again.
  EXPECT_EQ(f.w->call("POST", "/api/sessions", a.token).status, 201);
}

TEST(System, ConcurrentChatsInOneSessionKeepEveryTurn) {
  // Two chats of one session in flight at once (the model takes a while): both turns are remembered.
  // Keying turns by the message count read before the model call made the second overwrite the first.
  Fixture f{make_world()};
  FaultPlan slow;
  slow.latency.base = std::chrono::milliseconds(300);
  f.w->model_faults().set_plan(slow);
  auto a = must(f.w->new_tenant("acme", "premium"));
  const std::string sid = f.session(a);
  const std::string table = f.w->system->tenants().find("acme")->sessions_table;
  const size_t before = f.w->dynamodb.item_count(table);
  std::optional<ApiResponse> first, second;
  std::exception_ptr thrown;
  for (auto* out : {&first, &second}) {
    nlohmann::json body = {{"message", "hello"},
                           {"tenant_context", {{"tenant_id", a.tenant_id}, {"user_id", a.sub}, {"session_id", sid}}}};
    ApiRequest req{"POST", "/api/chat", "Bearer " + a.token, body.dump(), {}, {}, {}};
    spawn(detail::capture_result(route(*f.w->system, std::move(req)), out, &thrown));
  }
  f.w->clock.run();
  ASSERT_FALSE(thrown);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(f.w->dynamodb.item_count(table), before + 4) << "a user and an assistant item per turn";
}

TEST(System, ToolsByTier) {
  Fixture f{make_world()};
  auto basic = must(f.w->new_tenant("basico", "basic"));
  auto adv = must(f.w->new_tenant("advance", "advanced"));
  auto prem = must(f.w->new_tenant("premio", "premium"));
  EXPECT_EQ(f.w->call("GET", "/api/mcp/weather/tools", basic.token).body["weather_tools"].size(), 0u);
  EXPECT_EQ(f.w->call("GET", "/api/mcp/weather/tools", adv.token).body["weather_tools"].size(), 2u);
  EXPECT_EQ(f.w->call("GET", "/api/mcp/weather/tools", prem.token).body["weather_tools"].size(), 3u);
  EXPECT_EQ(f.w->call("POST", "/api/mcp/weather/get_current_weather", basic.token, {{"city", "London"}}).status, 403);
  EXPECT_EQ(f.w->call("POST", "/api/mcp/weather/get_weather_alerts", adv.token, {{"city", "London"}}).status, 403);
  EXPECT_EQ(f.w->call("POST", "/api/mcp/weather/get_weather_forecast", adv.token, {{"city", "London"}}).status, 200);
  EXPECT_EQ(f.w->call("POST", "/api/mcp/weather/get_weather_alerts", prem.token, {{"city", "London"}}).status, 200);
  EXPECT_EQ(f.w->call("POST", "/api/mcp/weather/get_current_weather", prem.token, {{"city", "Atlantis"}}).status, 404);

  // Through the agent: the model only uses tools the tier offers.
  auto r = f.chat(basic, f.session(basic), "What's the weather in London?");
  EXPECT_TRUE(r.body["usage_metrics"]["tools_used"].empty());
  r = f.chat(prem, f.session(prem), "Any weather alerts in Tokyo?");
  EXPECT_EQ(r.body["usage_metrics"]["tools_used"], json::array({"get_weather_alerts"}));
  EXPECT_EQ(f.w->weather.ledger().calls.begin()->second.at("alerts"), 2);
}

TEST(System, ToolsNotGatedDefectOffersToolsToBasic) {
  Fixture f{make_world(with(Defect::kToolsNotGated))};
  auto basic = must(f.w->new_tenant("basico", "basic"));
  EXPECT_EQ(f.w->call("POST", "/api/mcp/weather/get_current_weather", basic.token, {{"city", "London"}}).status, 200);
}

TEST(System, CostReportsArePremiumAdminOnly) {
  Fixture f{make_world()};
  auto prem = must(f.w->new_tenant("premio", "premium"));
  auto user = must(f.w->add_user(prem, "carol"));
  auto adv = must(f.w->new_tenant("advance", "advanced"));
  EXPECT_EQ(f.w->call("GET", "/api/admin/tenants/premio/overall-cost", prem.token).status, 200);
  auto r = f.w->call("GET", "/api/admin/tenants/premio/overall-cost", user.token);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["code"], "NotAdmin");
  r = f.w->call("GET", "/api/admin/tenants/advance/overall-cost", adv.token);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["code"], "FeatureNotInTier");
  EXPECT_EQ(f.w->call("GET", "/api/tenants/premio/users/" + prem.sub + "/costs", user.token).status, 403);
  EXPECT_EQ(f.w->call("GET", "/api/tenants/premio/users/" + user.sub + "/costs", user.token).status, 200);
  EXPECT_EQ(f.w->call("GET", "/api/admin/tenants/premio/nonsense", prem.token).status, 404);
}

TEST(System, CostEndpointOpenDefectLeaksReportsToUsers) {
  Fixture f{make_world(with(Defect::kCostEndpointOpen))};
  auto prem = must(f.w->new_tenant("premio", "premium"));
  auto user = must(f.w->add_user(prem, "carol"));
  EXPECT_EQ(f.w->call("GET", "/api/admin/tenants/premio/overall-cost", user.token).status, 200);
}

TEST(System, ATierChangeAppliesAtOnceToOldTokensAndKeepsOpenSessions) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "premium"));
  const std::string before = f.session(a);
  ASSERT_EQ(f.chat(a, before, "hello").status, 200);
  ASSERT_TRUE(f.w->run(f.w->system->tenants().change_tier("acme", "basic")).ok());
  // The token still says premium; the tenant's tier decides.
  EXPECT_EQ(decode_jwt(a.token).payload["custom:subscription_tier"], "premium");
  EXPECT_EQ(f.w->call("GET", "/api/tenants/acme/subscription", a.token).body["subscription_tier"], "basic");
  EXPECT_TRUE(f.w->call("GET", "/api/mcp/weather/tools", a.token).body["weather_tools"].empty());
  EXPECT_EQ(f.w->call("GET", "/api/admin/tenants/acme/overall-cost", a.token).status, 403);
  // The session opened on premium is still found (its key has no tier), used and closed.
  EXPECT_EQ(f.chat(a, before, "still here?").status, 200);
  EXPECT_EQ(f.w->call("DELETE", "/api/sessions/" + before, a.token).status, 200);
  // Basic's 50 a day, counting the two messages already sent today.
  const std::string after = f.session(a);
  int accepted = 0;
  for (int i = 0; i < 60; ++i) {
    f.w->clock.advance(std::chrono::milliseconds(200));
    const auto r = f.chat(a, after, "one more");
    if (r.status == 200) ++accepted;
    else EXPECT_EQ(r.body["code"], "DailyLimitExceeded") << r.body.dump();
  }
  EXPECT_EQ(accepted, 48);
  EXPECT_EQ(f.w->run(f.w->system->tenants().change_tier("acme", "gold")).error().name, "UnknownTier");
  EXPECT_EQ(f.w->run(f.w->system->tenants().change_tier("nobody", "basic")).error().name, "TenantNotFound");
}

TEST(System, AddToGroupNeedsAdminAndNewClaimsAppearAfterRefresh) {
  Fixture f{make_world()};
  auto admin = must(f.w->new_tenant("premio", "premium"));
  auto carol = must(f.w->add_user(admin, "carol"));
  EXPECT_EQ(f.w->call("POST", "/api/admin/add-to-group", carol.token, {{"username", "carol"}}).status, 403);
  EXPECT_EQ(f.w->call("GET", "/api/admin/my-tenants", carol.token).status, 403);  // not an admin (yet)
  EXPECT_EQ(f.w->call("POST", "/api/admin/add-to-group", admin.token, {{"username", "carol"}}).status, 200);
  carol.token = *f.w->login(carol);
  const auto mine = f.w->call("GET", "/api/admin/my-tenants", carol.token);
  EXPECT_EQ(mine.body["tenants"].size(), 1u);
  EXPECT_EQ(mine.body["admin_tenants"], Json::array({"premio"}));
}

TEST(System, AddToGroupDefectLetsUsersMakeThemselvesAdmin) {
  Fixture f{make_world(with(Defect::kAddToGroupWithoutAdmin))};
  auto admin = must(f.w->new_tenant("premio", "premium"));
  auto carol = must(f.w->add_user(admin, "carol"));
  EXPECT_EQ(f.w->call("POST", "/api/admin/add-to-group", carol.token, {{"username", "carol"}}).status, 200);
}

TEST(System, CostAttributionEqualsTheLedgersExactly) {
  Fixture f{make_world()};
  auto acme = must(f.w->new_tenant("acme", "premium"));
  auto globex = must(f.w->new_tenant("globex", "advanced"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(f.chat(acme, f.session(acme), "What's the weather forecast in Paris?").status, 200);
    f.w->call("DELETE", "/api/sessions/x", acme.token);
  }
  const std::string gs = f.session(globex);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(f.chat(globex, gs, "hello " + std::to_string(i)).status, 200);

  const auto bedrock = f.w->bedrock.ledger();
  const auto& prices = f.w->system->config().prices;
  for (const auto& [tenant, account] : {std::pair<std::string, World::Account>{"acme", acme}, {"globex", globex}}) {
    Money expected;
    for (const auto& [model, u] : bedrock.by_tenant_tag.at(tenant)) {
      expected += prices.cost(metric::kInputTokens, model, u.input_tokens);
      expected += prices.cost(metric::kOutputTokens, model, u.output_tokens);
      expected += prices.cost(metric::kInvocation, model, u.invocations);
    }
    auto r = f.w->call("GET", "/api/tenants/" + tenant + "/costs", account.token);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body["by_service"]["bedrock_agent"]["pico_usd"].get<int64_t>(), expected.pico) << tenant;
  }
  // Weather: 5 forecast calls, each one API call and one tool execution, billed to acme.
  auto r = f.w->call("GET", "/api/admin/tenants/acme/overall-cost", acme.token);
  EXPECT_EQ(r.body["by_service"]["weather_api"]["usd"], "0.0005");
  EXPECT_EQ(r.body["by_service"]["mcp_runtime"]["usd"], "0.0025");
}

TEST(System, OutputTokensDefectMakesAttributionDisagreeWithTheLedger) {
  Fixture f{make_world(with(Defect::kOutputTokensNotMetered))};
  auto acme = must(f.w->new_tenant("acme", "premium"));
  ASSERT_EQ(f.chat(acme, f.session(acme), "hello").status, 200);
  auto usage = f.w->call("GET", "/api/tenants/acme/usage", acme.token);
  EXPECT_FALSE(usage.body["metrics"].contains("bedrock_output_tokens"));
  EXPECT_GT(f.w->bedrock.ledger().by_tenant_tag.at("acme").begin()->second.output_tokens, 0);
}

TEST(System, NoUsageIsLostWhenTheTableFailsAfterTheModelAnswered) {
  Fixture f{make_world()};
  auto acme = must(f.w->new_tenant("acme", "advanced"));
  const std::string sid = f.session(acme);
  FaultPlan plan;
  plan.error_rate = 0.5;
  f.w->dynamodb_faults().set_plan(plan);
  int answered = 0;
  for (int i = 0; i < 40; ++i) answered += f.chat(acme, sid, "m" + std::to_string(i)).status == 200;
  f.w->dynamodb_faults().set_plan(FaultPlan{});
  EXPECT_EQ(f.w->run(f.w->system->metering().flush()), 0u);
  const auto ledger = f.w->bedrock.ledger().by_tenant_tag.at("acme").begin()->second;
  auto usage = f.w->call("GET", "/api/tenants/acme/usage", acme.token);
  EXPECT_EQ(usage.body["metrics"]["bedrock_invocation"].get<int64_t>(), ledger.invocations);
  EXPECT_EQ(usage.body["metrics"]["bedrock_output_tokens"].get<int64_t>(), ledger.output_tokens);
  EXPECT_GT(ledger.invocations, answered - 1);  // some turns failed after the model answered
}

TEST(System, OffboardedTenantsTokensStopWorking) {
  Fixture f{make_world()};
  auto prem = must(f.w->new_tenant("premio", "premium"));
  auto pooled = must(f.w->new_tenant("basico", "basic"));
  ASSERT_TRUE(f.w->run(f.w->system->tenants().offboard("premio")).ok());
  ASSERT_TRUE(f.w->run(f.w->system->tenants().offboard("basico")).ok());
  EXPECT_EQ(f.w->call("GET", "/api/tenants/premio/subscription", prem.token).status, 401);  // pool deleted
  EXPECT_EQ(f.w->call("GET", "/api/tenants/basico/subscription", pooled.token).status, 403);
}

TEST(System, CognitoAndWeatherLatencyPassInVirtualTime) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "advanced"));
  ASSERT_EQ(f.w->call("GET", "/api/tenants/acme/subscription", a.token).status, 200);  // the verifier fetches the JWKS once
  FaultPlan slow;
  slow.latency.base = std::chrono::milliseconds(250);
  f.w->cognito_faults().set_plan(slow);
  f.w->weather_faults().set_plan(slow);
  Time before = f.w->clock.now();
  ASSERT_TRUE(f.w->login(a).ok());
  EXPECT_GE(f.w->clock.now() - before, std::chrono::milliseconds(250));
  before = f.w->clock.now();
  EXPECT_EQ(f.w->call("POST", "/api/mcp/weather/get_current_weather", a.token, {{"city", "London"}}).status, 200);
  EXPECT_EQ(f.w->clock.now() - before, std::chrono::milliseconds(250));
}

// Cognito bills monthly active users: a user who signs in on both sides of a month edge counts in
// each month, and one who signs in twice in a month once.
TEST(System, MonthlyActiveUsersAreCountedPerCalendarMonth) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "advanced"));  // signs in on 2024-01-01
  f.w->clock.advance_to(from_unix_seconds(1706741940));  // 2024-01-31T22:59:00Z
  ASSERT_TRUE(f.w->login(a).ok());
  f.w->clock.advance(std::chrono::hours(2));  // 2024-02-01T00:59:00Z
  ASSERT_TRUE(f.w->login(a).ok());
  const auto ledger = f.w->cognito.ledger();
  ASSERT_TRUE(ledger.active_users_by_month.count("2024-01"));
  ASSERT_TRUE(ledger.active_users_by_month.count("2024-02"));
  size_t jan = 0, feb = 0;
  for (const auto& [pool, subs] : ledger.active_users_by_month.at("2024-01")) {
    jan += subs.size();
    for (const auto& [sub, day] : subs) EXPECT_EQ(day, "2024-01-01") << "the first sign-in of January, not the last";
  }
  for (const auto& [pool, subs] : ledger.active_users_by_month.at("2024-02")) {
    feb += subs.size();
    for (const auto& [sub, day] : subs) EXPECT_EQ(day, "2024-02-01");
  }
  EXPECT_EQ(jan, 1u);
  EXPECT_EQ(feb, 1u);
}

// DynamoDB's ledger keeps the units of each UTC day apart (a daily cost report's rows), and the
// days add up to the per-table totals.
TEST(System, TableUnitsAreKeptPerUtcDay) {
  Fixture f{make_world()};
  auto a = must(f.w->new_tenant("acme", "advanced"));
  f.w->clock.advance_to(from_unix_seconds(1706741940));  // 2024-01-31T22:59:00Z
  a.token = *f.w->login(a);
  ASSERT_EQ(f.w->call("GET", "/api/tenants/acme/subscription", a.token).status, 200);
  f.w->clock.advance(std::chrono::hours(2));  // 2024-02-01T00:59:00Z
  a.token = *f.w->login(a);
  ASSERT_EQ(f.chat(a, f.session(a), "hello").status, 200);
  const auto ledger = f.w->dynamodb.ledger();
  ASSERT_TRUE(ledger.units_by_day.count("2024-02-01"));
  EXPECT_GT(ledger.units_by_day.at("2024-02-01").at("acme").write_units, 0) << "the chat's session and usage writes";
  CapacityUnits days, tables;
  for (const auto& [day, keys] : ledger.units_by_day)
    for (const auto& [key, u] : keys) {
      days.read_half_units += u.read_half_units;
      days.write_units += u.write_units;
    }
  for (const auto& [table, keys] : ledger.units)
    for (const auto& [key, u] : keys) {
      tables.read_half_units += u.read_half_units;
      tables.write_units += u.write_units;
    }
  EXPECT_EQ(days, tables);
}

TEST(System, SameSeedSameAnswers) {
  auto run = [](uint64_t seed) {
    Fixture f{make_world({}, seed)};
    auto a = must(f.w->new_tenant("acme", "premium"));
    std::string out;
    const std::string sid = f.session(a);
    for (int i = 0; i < 5; ++i) out += f.chat(a, sid, "weather in Oslo?").body.dump();
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

}  // namespace
}  // namespace tenantsim
