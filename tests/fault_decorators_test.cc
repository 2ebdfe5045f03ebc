// Fault plans at the ports (harness/faults/): DynamoDB's at the Database port (latency on the
// world's clock before the call, InternalServerError without reaching the table, outages, plans
// that change under open tables, the same decisions from the same seed), the knowledge base's at
// the KnowledgeBase port (Retrieve only; set-up is never faulted) and Cognito's at the
// IdentityProvider port (latency on what a user waits for; the JWKS never fails).
#include <gtest/gtest.h>

#include "fakes/common/virtual_clock.h"
#include "fakes/cognito/fake_cognito.h"
#include "fakes/dynamodb/fake_dynamodb.h"
#include "fakes/knowledge_base/fake_knowledge_base.h"
#include "harness/faults/faulty_database.h"
#include "harness/faults/faulty_identity.h"
#include "harness/faults/faulty_knowledge_base.h"

namespace tenantsim {
namespace {

class FaultyDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(faulty.create_table({"items", "pk", "sk"}).ok());
    table = faulty.open("items", std::nullopt).value();
  }
  template <class T>
  T run(Task<T> t) {
    return run_to_completion(clock, std::move(t));
  }
  Status put(const std::string& sk, std::string payload = "x") {
    return run(table->put_item(Item{{"pk", std::string("a")}, {"sk", sk}, {"payload", std::move(payload)}}));
  }

  VirtualClock clock{from_unix_seconds(1704067200)};
  FakeDynamoDb fake{clock};
  FaultyDatabase faulty{fake, clock, Rng(7)};
  std::shared_ptr<Table> table;
};

TEST_F(FaultyDatabaseTest, AnInjectedFaultIsInternalServerErrorAndNeverReachesTheTable) {
  ASSERT_TRUE(put("1").ok());
  const uint64_t requests = fake.ledger().requests;
  FaultPlan plan;
  plan.error_rate = 1.0;
  faulty.set_plan(plan);  // the table was opened before: the plan applies to it too
  const Status st = put("2");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().name, "InternalServerError");
  EXPECT_EQ(st.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(fake.ledger().requests, requests);
  EXPECT_EQ(faulty.injected_failures(), 1u);
  faulty.set_plan(FaultPlan{});
  EXPECT_FALSE(run(table->get_item(Key{"a", "2"})).value().has_value());
}

TEST_F(FaultyDatabaseTest, AnAimedFailureHitsExactlyTheNthCallFromNowOnce) {
  faulty.fail_call(2);  // the third call from now
  EXPECT_TRUE(put("1").ok());
  EXPECT_TRUE(put("2").ok());
  const Status third = put("3");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().name, "InternalServerError");
  EXPECT_EQ(faulty.injected_failures(), 1u) << "journaled like the plan's own";
  EXPECT_TRUE(put("4").ok()) << "once";
  faulty.fail_call(0);
  faulty.fail_call(std::nullopt);  // disarmed before it fired
  EXPECT_TRUE(put("5").ok());
  EXPECT_EQ(faulty.injected_failures(), 1u);
}

TEST_F(FaultyDatabaseTest, LatencyIsSpentOnTheClockWithPerKilobyteCostForWrites) {
  FaultPlan plan;
  plan.latency.base = std::chrono::milliseconds(5);
  plan.latency.per_unit = std::chrono::milliseconds(1);
  faulty.set_plan(plan);
  Time before = clock.now();
  ASSERT_TRUE(run(table->get_item(Key{"a", "1"})).ok());
  EXPECT_EQ(clock.now() - before, std::chrono::milliseconds(6));  // base and one unit
  before = clock.now();
  ASSERT_TRUE(put("1", std::string(3000, 'x')).ok());  // about 3 KB: three units
  EXPECT_EQ(clock.now() - before, std::chrono::milliseconds(8));
}

TEST_F(FaultyDatabaseTest, AnOutageFailsEveryCallInsideItsWindowOnly) {
  FaultPlan plan;
  plan.outages.push_back({clock.now() + std::chrono::minutes(1), clock.now() + std::chrono::minutes(2)});
  faulty.set_plan(plan);
  EXPECT_TRUE(put("1").ok());
  clock.advance(std::chrono::seconds(90));
  EXPECT_FALSE(put("2").ok());
  clock.advance(std::chrono::seconds(60));
  EXPECT_TRUE(put("3").ok());
}

TEST_F(FaultyDatabaseTest, TheSameSeedMakesTheSameDecisions) {
  FakeDynamoDb other_fake{clock};
  FaultyDatabase other{other_fake, clock, Rng(7)};
  ASSERT_TRUE(other.create_table({"items", "pk", "sk"}).ok());
  auto other_table = other.open("items", std::nullopt).value();
  FaultPlan plan;
  plan.error_rate = 0.5;
  faulty.set_plan(plan);
  other.set_plan(plan);
  std::string mine, theirs;
  for (int i = 0; i < 64; ++i) {
    mine += put(std::to_string(i)).ok() ? '.' : 'F';
    theirs += run(other_table->put_item(Item{{"pk", std::string("a")}, {"sk", std::to_string(i)}, {"payload", std::string("x")}})).ok()
                  ? '.'
                  : 'F';
  }
  EXPECT_EQ(mine, theirs);
  EXPECT_NE(mine.find('F'), std::string::npos);
  EXPECT_NE(mine.find('.'), std::string::npos);
}

TEST(FaultyKnowledgeBase, OnlyRetrieveIsFaultedAndAFailedOneNeverReachesTheLedger) {
  VirtualClock clock{from_unix_seconds(1704067200)};
  FakeKnowledgeBase fake;
  FaultyKnowledgeBase faulty{fake, clock, Rng(7)};
  FaultPlan plan;
  plan.error_rate = 1.0;
  plan.latency.base = std::chrono::milliseconds(40);
  faulty.set_plan(plan);
  const auto run = [&clock](auto task) { return run_to_completion(clock, std::move(task)); };
  ASSERT_TRUE(run(faulty.create_knowledge_base("kb-pooled")).ok());
  ASSERT_TRUE(run(faulty.ingest("kb-pooled", KnowledgeDocument{"acme/doc", "budget notes", {{"tenant_id", "acme"}}})).ok());
  RetrieveRequest req{"kb-pooled", "budget", 3, MetadataEquals{"tenant_id", "acme"}};
  const Time before = clock.now();
  auto failed = run(faulty.retrieve(req));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().name, "InternalServerException");
  EXPECT_EQ(failed.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(clock.now() - before, std::chrono::milliseconds(40));
  EXPECT_TRUE(fake.ledger().by_filter.empty());
  faulty.set_plan(FaultPlan{});
  auto found = run(faulty.retrieve(req));
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->results.size(), 1u);
  EXPECT_EQ((fake.ledger().by_filter.at({"kb-pooled", "acme"}).retrievals), 1);
  EXPECT_EQ(faulty.injected_failures(), 1u);
}

TEST(FaultyIdentityProvider, AFailedSignInNeverReachesThePoolAndTheKeySetNeverFails) {
  VirtualClock clock{from_unix_seconds(1704067200)};
  FakeCognito fake{clock, Rng(3)};
  FaultyIdentityProvider faulty{fake, clock, Rng(7)};
  const auto run = [&clock](auto task) { return run_to_completion(clock, std::move(task)); };
  UserPoolConfig config;
  config.name = "acme";
  auto pool = run(faulty.create_user_pool(config));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  auto client = run(faulty.create_app_client(pool->pool_id, "web", std::vector<std::string>{"email"}));
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(run(faulty.admin_create_user(pool->pool_id, "ana", "Perm-Password-1", {})).ok());

  FaultPlan plan;
  plan.latency.base = std::chrono::milliseconds(60);
  faulty.set_plan(plan);
  Time before = clock.now();
  ASSERT_TRUE(run(faulty.admin_get_user(pool->pool_id, "ana")).ok());
  EXPECT_EQ(clock.now(), before);  // administration: no latency
  ASSERT_TRUE(run(faulty.initiate_auth_password(*client, "ana", "Perm-Password-1")).ok());
  EXPECT_EQ(clock.now() - before, std::chrono::milliseconds(60));  // a sign-in: the plan's latency

  plan.error_rate = 1.0;
  faulty.set_plan(plan);
  const uint64_t sign_ins = fake.ledger().requests_by_operation.at("InitiateAuth");
  auto failed = run(faulty.initiate_auth_password(*client, "ana", "Perm-Password-1"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().name, "InternalErrorException");
  EXPECT_EQ(failed.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(fake.ledger().requests_by_operation.at("InitiateAuth"), sign_ins);
  EXPECT_TRUE(run(faulty.jwks(pool->pool_id)).ok());  // a static document: latency, never a 500
  EXPECT_FALSE(run(faulty.create_group(pool->pool_id, "admins")).ok());
}

}  // namespace
}  // namespace tenantsim
