// The API contract clients depend on: the route table's uniform answers (404, 405 with Allow,
// 401, 400 on a bad query), ?days=N windows, and every field the public sample's frontend
// (aws-samples/sample-multi-tenant-agent-core-app, frontend/index.html) reads, with the JSON type
// it expects: it calls .toFixed() on costs, .join() on admin_tenants, Object.entries() on maps.
#include <gtest/gtest.h>

#include "core/api/router.h"
#include "core/ports/table_wrapper.h"
#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/fake_dynamodb.h"
#include "tests/test_support.h"

namespace tenantsim {
namespace {

using testing::make_world;
using testing::must;

struct Contract : ::testing::Test {
  std::unique_ptr<World> w = make_world();
  World::Account admin = must(w->new_tenant("acme", "premium"));

  ApiResponse get(const std::string& path, const std::string& token, std::map<std::string, std::string> query = {}) {
    return w->run(route(*w->system, ApiRequest{"GET", path, "Bearer " + token, "", std::move(query), {}, {}}));
  }
  // One chat that calls the weather tool, so every service has a cost.
  void chat() {
    auto s = w->call("POST", "/api/sessions", admin.token);
    ASSERT_EQ(s.status, 201);
    auto r = w->call("POST", "/api/chat", admin.token,
                     {{"message", "What is the weather in Paris today?"},
                      {"tenant_context", {{"tenant_id", "acme"}, {"user_id", admin.sub}, {"session_id", s.body["session_id"]}}}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    ASSERT_TRUE(r.body["response"].is_string());
  }
};

TEST_F(Contract, UnknownPathIs404WrongMethodIs405WithAllow) {
  auto r = w->run(route(*w->system, ApiRequest{"GET", "/api/nope", "", "", {}, {}, {}}));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["code"], "NotFound");
  // The same answer at the top level and under /api/tenants/... (it used to be 404 there).
  for (const auto& [method, path, allow] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PUT", "/api/chat", "POST"},
           {"POST", "/api/tenants/acme/usage", "GET"},
           {"DELETE", "/api/admin/tenants/acme/overall-cost", "GET"},
           {"GET", "/api/admin/tenants/acme/users", "POST"},
           {"GET", "/api/sessions/s-1", "DELETE"}}) {
    auto m = w->run(route(*w->system, ApiRequest{method, path, "Bearer " + admin.token, "", {}, {}, {}}));
    EXPECT_EQ(m.status, 405) << method << " " << path;
    EXPECT_EQ(m.headers["Allow"], allow) << path;
  }
  EXPECT_EQ(allowed_methods("/api/sessions"), "POST");
  EXPECT_EQ(route_pattern("/api/tenants/acme/users/u-1/costs"), "/api/tenants/{tenant_id}/users/{user_id}/costs");
  EXPECT_EQ(route_pattern("/api/tenants/acme"), "");
}

TEST_F(Contract, MissingTokenIs401OnEveryTokenRoute) {
  auto r = w->run(route(*w->system, ApiRequest{"GET", "/api/tenants/acme/usage", "", "", {}, {}, {}}));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body["code"], "MissingToken");
}

TEST_F(Contract, DaysMustBeAWholeNumberFrom1To366) {
  for (const std::string bad : {"0", "-5", "367", "NaN", "", "7.5", "1000"}) {
    auto r = get("/api/tenants/acme/costs", admin.token, {{"days", bad}});
    EXPECT_EQ(r.status, 400) << "days=" << bad;
    EXPECT_EQ(r.body["code"], "InvalidQuery");
  }
  auto ok30 = get("/api/tenants/acme/costs", admin.token, {{"days", "30"}});
  EXPECT_EQ(ok30.status, 200) << ok30.body.dump();
}

TEST_F(Contract, DaysIsAWindowEndingNow) {
  chat();
  const auto all = get("/api/tenants/acme/costs", admin.token);
  EXPECT_GT(all.body["total"]["pico_usd"].get<int64_t>(), 0);
  w->clock.advance(std::chrono::hours(24 * 3));
  admin.token = *w->login(admin);  // the old one has expired
  const auto seven = get("/api/tenants/acme/costs", admin.token, {{"days", "7"}});
  EXPECT_EQ(seven.body["total"], all.body["total"]) << seven.body.dump();
  EXPECT_EQ(get("/api/tenants/acme/costs", admin.token, {{"days", "2"}}).body["total"]["pico_usd"], 0);
}

// A Database whose tables throw from query() once armed: a port breaking its no-throw contract, or
// a bug in the system, as the router sees it.
class ThrowingQueries final : public Database {
 public:
  explicit ThrowingQueries(Database& inner) : inner_(inner) {}
  bool armed = false;
  Status create_table(TableSchema schema) override { return inner_.create_table(std::move(schema)); }
  Status delete_table(const std::string& name) override { return inner_.delete_table(name); }
  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override {
    auto t = inner_.open(name, std::move(scope));
    if (!t.ok()) return t;
    return std::shared_ptr<Table>(std::make_shared<Throwing>(std::move(t).value(), &armed));
  }

 private:
  struct Throwing final : TableWrapper {
    Throwing(std::shared_ptr<Table> t, const bool* armed) : TableWrapper(std::move(t)), armed_(armed) {}
    Task<Result<QueryPage>> query(QueryRequest request) override {
      if (*armed_) throw std::runtime_error("the table broke its contract");
      return TableWrapper::query(std::move(request));
    }
    const bool* armed_;
  };
  Database& inner_;
};

// An exception out of the system is a 500 InternalError from the router, in process as over HTTP,
// and the world goes on answering: it does not end the run (std::terminate in an actor).
TEST(Router, AnExceptionInTheSystemIs500AndTheRunGoesOn) {
  VirtualClock clock(from_unix_seconds(1704067200));
  FakeDynamoDb tables(clock);
  ThrowingQueries db(tables);
  WorldOptions o;
  o.data_dir = TENANTSIM_DATA_DIR;
  o.ports.database = &db;
  auto w = World::create(o);
  ASSERT_TRUE(w.ok()) << w.error().message;
  auto a = must((*w)->new_tenant("acme", "premium"));
  db.armed = true;
  const auto r = (*w)->call("GET", "/api/tenants/acme/sessions", a.token);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.value("code", ""), "InternalError") << r.body.dump();
  EXPECT_EQ(r.route, "/api/tenants/{tenant_id}/sessions");
  db.armed = false;
  EXPECT_EQ((*w)->call("GET", "/api/tenants/acme/sessions", a.token).status, 200);
}

TEST(QueryString, DecodesPercentAndPlus) {
  auto q = parse_query("days=7&city=San+Jos%C3%A9&empty=&flag&days=9");
  EXPECT_EQ(q["days"], "9");  // later keys win
  EXPECT_EQ(q["city"], "San Jos\xC3\xA9");
  EXPECT_EQ(q["empty"], "");
  EXPECT_EQ(q["flag"], "");
  EXPECT_EQ(parse_query("a=%zz")["a"], "%zz");  // a broken escape stays as sent
}

TEST_F(Contract, FrontendFieldsOfUsageSubscriptionSessionsAndAdmin) {
  chat();
  auto mine = get("/api/admin/my-tenants", admin.token);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.body["admin_tenants"], Json::array({"acme"}));
  auto user = must(w->add_user(admin, "bob"));
  EXPECT_EQ(get("/api/admin/my-tenants", user.token).status, 403);  // the page shows admin buttons on 2xx

  auto usage = get("/api/tenants/acme/usage", admin.token);
  EXPECT_EQ(usage.body["tenant_id"], "acme");
  EXPECT_EQ(usage.body["total_messages"], 1);
  EXPECT_EQ(usage.body["sessions"], 1);

  auto sub = get("/api/tenants/acme/subscription", admin.token);
  EXPECT_TRUE(sub.body["subscription_tier"].is_string());
  for (const char* k : {"daily_messages", "monthly_messages", "max_session_duration", "concurrent_sessions"})
    EXPECT_TRUE(sub.body["limits"][k].is_number()) << k;
  EXPECT_EQ(sub.body["limits"]["mcp_server_access"], true);  // a boolean, not the (truthy) tool list
  EXPECT_EQ(sub.body["current_usage"]["daily_usage"], 1);
  EXPECT_EQ(sub.body["current_usage"]["monthly_usage"], 1);
  EXPECT_EQ(sub.body["current_usage"]["active_sessions"], 1);

  auto sessions = get("/api/tenants/acme/sessions", admin.token);
  EXPECT_TRUE(sessions.body["sessions"].is_array());

  auto tools = get("/api/mcp/tools", admin.token);
  ASSERT_EQ(tools.status, 200);
  ASSERT_TRUE(tools.body["available_tools"].is_array());
  for (const auto& t : tools.body["available_tools"]) EXPECT_TRUE(t.is_string());
}

TEST_F(Contract, BasicTierHasNoToolAccessAsABoolean) {
  auto basic = must(w->new_tenant("bas1c", "basic"));
  EXPECT_EQ(get("/api/tenants/bas1c/subscription", basic.token).body["limits"]["mcp_server_access"], false);
}

TEST_F(Contract, FrontendFieldsOfCostReportsAreNumbers) {
  chat();
  const auto days = std::map<std::string, std::string>{{"days", "30"}};
  auto overall = get("/api/admin/tenants/acme/overall-cost", admin.token, days);
  ASSERT_EQ(overall.status, 200) << overall.body.dump();
  ASSERT_TRUE(overall.body["total_cost"].is_number_float());
  EXPECT_DOUBLE_EQ(overall.body["total_cost"].get<double>(),
                   static_cast<double>(overall.body["total"]["pico_usd"].get<int64_t>()) / 1e12);
  ASSERT_FALSE(overall.body["service_breakdown"].empty());
  double pct = 0;
  for (const auto& [service, cost] : overall.body["service_breakdown"].items()) {
    EXPECT_TRUE(cost.is_number()) << service;
    ASSERT_TRUE(overall.body["cost_per_service_percentage"][service].is_number()) << service;
    pct += overall.body["cost_per_service_percentage"][service].get<double>();
  }
  EXPECT_NEAR(pct, 100.0, 1e-9);

  auto per_user = get("/api/admin/tenants/acme/per-user-cost", admin.token, days);
  ASSERT_TRUE(per_user.body["users"].contains(admin.sub)) << per_user.body.dump();
  const auto& me = per_user.body["users"][admin.sub];
  EXPECT_TRUE(me["total_cost"].is_number());
  EXPECT_EQ(me["usage_stats"]["invocations"].get<int64_t>(), 2);  // the tool call and the answer
  EXPECT_GT(me["usage_stats"]["tokens"]["input"].get<int64_t>(), 0);
  EXPECT_GT(me["usage_stats"]["tokens"]["output"].get<int64_t>(), 0);

  auto by_service = get("/api/admin/tenants/acme/service-wise-cost", admin.token, days);
  ASSERT_TRUE(by_service.body["service_breakdown"].contains("mcp_runtime")) << by_service.body.dump();
  const auto& tool = by_service.body["service_breakdown"]["mcp_runtime"];  // the weather call is in the free tier
  EXPECT_EQ(tool["usage_count"], 1);
  EXPECT_TRUE(tool["total_cost"].is_number());
  EXPECT_TRUE(tool["average_cost_per_use"].is_number());
  EXPECT_TRUE(tool["peak_usage_day"]["date"].is_string());
  EXPECT_TRUE(tool["peak_usage_day"]["cost"].is_number());

  auto report = get("/api/admin/tenants/acme/comprehensive-report", admin.token, days);
  EXPECT_TRUE(report.body["summary"]["total_tenant_cost"].is_number());
  EXPECT_EQ(report.body["summary"]["total_users"], 1);
  EXPECT_EQ(report.body["summary"]["highest_cost_service"], "mcp_runtime");  // $0.0005 a tool run vs $0.00028 of tokens
  EXPECT_EQ(report.body["summary"]["most_expensive_user"], admin.sub);
  EXPECT_TRUE(report.body["4_top_users_by_cost"][admin.sub]["total_cost"].is_number());

  auto costs = get("/api/tenants/acme/costs", admin.token, days);
  EXPECT_TRUE(costs.body["total_cost"].is_number());
  EXPECT_TRUE(costs.body["cost_breakdown"]["bedrock_costs"].is_number());
  EXPECT_TRUE(costs.body["cost_breakdown"]["weather_api_costs"].is_number());
  EXPECT_EQ(costs.body["total_invocations"], 2);
  EXPECT_EQ(costs.body["users"][admin.sub]["invocations"], 2);

  auto user_costs = get("/api/tenants/acme/users/" + admin.sub + "/costs", admin.token, days);
  for (const char* k : {"total_cost", "bedrock_cost", "weather_api_cost", "agent_runtime_cost"})
    EXPECT_TRUE(user_costs.body[k].is_number()) << k;
  EXPECT_EQ(user_costs.body["invocations"], 2);
  EXPECT_TRUE(user_costs.body["tokens"]["input"].is_number());
}

}  // namespace
}  // namespace tenantsim
