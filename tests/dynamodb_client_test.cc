// The Table/Database port's contract, run against every backend the system can be given:
//   inprocess    the in-process fake (FakeDynamoDb), what scenario runs use;
//   fakes_serve  our real client (libcurl + SigV4) against `tenantsim fakes serve`, in this process;
//   external     our real client against TENANTSIM_TEST_DYNAMODB_ENDPOINT (ctest sets it to a
//                dynalite it starts: tests/with_dynalite.sh). Without it those cases are skipped.
// A behaviour the system relies on that holds on one backend and not another fails here, before it
// makes a run against a real endpoint disagree with the simulated one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/fake_dynamodb.h"
#include "harness/aws/real_dynamodb.h"
#include "harness/http/fakes_service.h"
#include "tests/in_process_fakes_serve.h"

namespace tenantsim {
namespace {

std::shared_ptr<aws::AwsJsonClient> client_for(const std::string& url) {
  aws::EndpointConfig c;
  c.url = url;
  c.service = "dynamodb";
  c.target_prefix = "DynamoDB_20120810.";
  c.content_type = "application/x-amz-json-1.0";
  c.credentials = {"AKIDTENANTSIMTEST01", "secret-one-0123456789", ""};
  c.max_attempts = 2;
  return std::make_shared<aws::AwsJsonClient>(c, Rng(3), [](int64_t) {});
}

class TableContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string backend = GetParam();
    if (backend == "inprocess") {
      db_ = std::make_unique<FakeDynamoDb>(clock_);
    } else if (backend == "fakes_serve") {
      // One server for the suite; tables get unique names.
      db_ = std::make_unique<aws::RealDynamoDb>(client_for(testing::shared_fakes_serve().url()));
    } else {
      const char* endpoint = std::getenv("TENANTSIM_TEST_DYNAMODB_ENDPOINT");
      // The external cases are registered only through tests/with_dynalite.sh, which sets it.
      ASSERT_NE(endpoint, nullptr) << "TENANTSIM_TEST_DYNAMODB_ENDPOINT is not set: run through tests/with_dynalite.sh";
      external_ = true;
      db_ = std::make_unique<aws::RealDynamoDb>(client_for(endpoint));
    }
    static int counter = 0;
    name_ = "contract_" + std::to_string(++counter) + "_" + backend;
    ASSERT_TRUE(db_->create_table({name_, "pk", "sk"}).ok());
    table_ = db_->open(name_, std::nullopt).value();
  }

  template <class T>
  T run(Task<T> t) {
    return run_to_completion(clock_, std::move(t));
  }
  Status put(std::string pk, std::string sk, Item extra = {}, std::optional<Condition> c = std::nullopt) {
    extra["pk"] = std::move(pk);
    extra["sk"] = std::move(sk);
    return run(table_->put_item(std::move(extra), std::move(c)));
  }
  static std::string name_of(const Status& s) { return s.ok() ? "ok" : s.error().name; }

  VirtualClock clock_{from_unix_seconds(1704067200)};
  std::unique_ptr<Database> db_;
  std::shared_ptr<Table> table_;
  std::string name_;
  bool external_ = false;
};

TEST_P(TableContract, PutGetAndAMissingItem) {
  ASSERT_TRUE(put("a", "1", {{"n", int64_t{5}}, {"s", std::string("x")}, {"b", true}, {"z", Null{}}}).ok());
  auto got = run(table_->get_item({"a", "1"}));
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(get_number(**got, "n"), 5);
  EXPECT_EQ(*get_string(**got, "s"), "x");
  EXPECT_EQ(std::get<bool>((**got).at("b")), true);
  EXPECT_TRUE(std::holds_alternative<Null>((**got).at("z")));
  auto none = run(table_->get_item({"a", "2"}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(TableContract, ConditionsDecideAndChangeNothingWhenFalse) {
  ASSERT_TRUE(put("a", "1", {{"v", std::string("x")}}, Condition::not_exists("pk")).ok());
  EXPECT_EQ(name_of(put("a", "1", {{"v", std::string("y")}}, Condition::not_exists("pk"))), "ConditionalCheckFailedException");
  EXPECT_EQ(*get_string(**run(table_->get_item({"a", "1"})), "v"), "x");
  EXPECT_TRUE(put("a", "1", {{"v", std::string("z")}}, Condition::ne("missing", int64_t{1})).ok());
  EXPECT_EQ(name_of(put("a", "1", {}, Condition::lt("missing", int64_t{1}))), "ConditionalCheckFailedException");
  const Condition both = Condition::exists("v") && !Condition::begins_with("v", "q");
  EXPECT_TRUE(put("a", "1", {{"v", std::string("w")}}, both).ok());
  EXPECT_EQ(name_of(put("a", "1", {}, Condition::eq("v", std::string("nope")) || Condition::gt("v", std::string("x")))),
            "ConditionalCheckFailedException");
}

TEST_P(TableContract, UpdateSetsAddsRemovesAndReturnsTheNewItem) {
  auto r = run(table_->update_item({"c", "1"}, Update().add("count", 2).set("note", std::string("hi"))));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(get_number(*r, "count"), 2);
  r = run(table_->update_item({"c", "1"}, Update().add("count", -5).remove("note"), Condition::ge("count", int64_t{2})));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(get_number(*r, "count"), -3);
  EXPECT_EQ(r->count("note"), 0u);
  auto refused = run(table_->update_item({"c", "1"}, Update().add("count", 1), Condition::ge("count", int64_t{0})));
  EXPECT_EQ(refused.error().name, "ConditionalCheckFailedException");
  auto key_change = run(table_->update_item({"c", "1"}, Update().set("sk", std::string("2"))));
  EXPECT_EQ(key_change.error().name, "ValidationException");
}

TEST_P(TableContract, QueryOrdersRangesAndPaginates) {
  for (const char* sk : {"b#2", "a#1", "b#1", "c#1", "b#3"}) ASSERT_TRUE(put("q", sk).ok());
  ASSERT_TRUE(put("other", "b#1").ok());
  QueryRequest q{"q", {SortKeyCondition::Op::kBeginsWith, "b#", ""}, 2, std::nullopt, true, true};
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto r = run(table_->query(q));
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (const auto& item : r->items) seen.push_back(*get_string(item, "sk"));
    if (!r->last_evaluated_key) break;
    q.exclusive_start_key = r->last_evaluated_key;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"b#1", "b#2", "b#3"}));
  QueryRequest back{"q", {SortKeyCondition::Op::kBetween, "a#1", "b#2"}, 0, std::nullopt, false, true};
  auto r = run(table_->query(back));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->items.size(), 3u);
  EXPECT_EQ(*get_string(r->items[0], "sk"), "b#2");
  EXPECT_FALSE(r->last_evaluated_key);
  QueryRequest reversed{"q", {SortKeyCondition::Op::kBetween, "b#2", "a#1"}, 0, std::nullopt, true, true};
  r = run(table_->query(reversed));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->items.empty());
}

TEST_P(TableContract, BatchWritesUpToTwentyFive) {
  std::vector<WriteRequest> writes;
  for (int i = 0; i < 25; ++i) writes.push_back({WriteRequest::Kind::kPut, {{"pk", std::string("w")}, {"sk", std::to_string(100 + i)}}, {}});
  ASSERT_TRUE(run(table_->batch_write(writes)).ok());
  writes.push_back({WriteRequest::Kind::kDelete, {}, {"w", "100"}});
  EXPECT_EQ(name_of(run(table_->batch_write(writes))), "ValidationException");
  auto r = run(table_->query({"w", {}, 0, std::nullopt, true, true}));
  EXPECT_EQ(r->items.size(), 25u);
}

TEST_P(TableContract, TransactionsAreAllOrNothing) {
  ASSERT_TRUE(put("t", "1", {{"n", int64_t{1}}}).ok());
  TransactItem add_two{TransactItem::Kind::kPut, {{"pk", std::string("t")}, {"sk", std::string("2")}}, {}, {}, std::nullopt};
  if (external_) {
    // dynalite has no TransactWriteItems: the client must surface its refusal, not a success, and
    // nothing may be written.
    const Status refused = run(table_->transact_write({add_two}));
    EXPECT_EQ(name_of(refused), "UnknownOperationException");
    EXPECT_FALSE(run(table_->get_item({"t", "2"}))->has_value());
    return;
  }
  TransactItem check{TransactItem::Kind::kConditionCheck, {}, {"t", "1"}, {}, Condition::eq("n", int64_t{2})};
  EXPECT_EQ(name_of(run(table_->transact_write({add_two, check}))), "TransactionCanceledException");
  EXPECT_FALSE(run(table_->get_item({"t", "2"}))->has_value());
  check.condition = Condition::eq("n", int64_t{1});
  TransactItem bump{TransactItem::Kind::kUpdate, {}, {"t", "1"}, Update().add("n", 1), std::nullopt};
  ASSERT_TRUE(run(table_->transact_write({add_two, bump})).ok());
  EXPECT_EQ(get_number(**run(table_->get_item({"t", "1"})), "n"), 2);
}

TEST_P(TableContract, LeadingKeyScopeRefusesOtherPartitions) {
  auto scoped = db_->open(name_, LeadingKeyScope{"acme"}).value();
  EXPECT_TRUE(run(scoped->put_item({{"pk", std::string("acme")}, {"sk", std::string("1")}})).ok());
  EXPECT_EQ(name_of(run(scoped->put_item({{"pk", std::string("acme-corp")}, {"sk", std::string("1")}}))),
            "AccessDeniedException");
  EXPECT_EQ(run(scoped->get_item({"other", "1"})).error().name, "AccessDeniedException");
}

TEST_P(TableContract, TablesExistOnceAndOpenOnlyIfTheyExist) {
  EXPECT_EQ(db_->create_table({name_, "pk", "sk"}).error().name, "ResourceInUseException");
  EXPECT_EQ(db_->open(name_ + "_missing", std::nullopt).error().name, "ResourceNotFoundException");
}

INSTANTIATE_TEST_SUITE_P(Backends, TableContract, ::testing::Values("inprocess", "fakes_serve", "external"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

// The client's retry policy: a validation error is final at once; a transport error is retried with
// jittered waits under the ceiling, then ends as kUnavailable.
TEST(AwsJsonClient, RetriesTransportErrorsButNotValidationErrors) {
  testing::InProcessFakesServe server;
  aws::EndpointConfig c;
  c.url = server.url();
  c.service = "dynamodb";
  c.target_prefix = "DynamoDB_20120810.";
  c.content_type = "application/x-amz-json-1.0";
  c.credentials = {"AKIDTENANTSIMTEST01", "x", ""};
  c.max_attempts = 3;
  std::vector<int64_t> waits;
  aws::AwsJsonClient client(c, Rng(1), [&](int64_t ms) { waits.push_back(ms); });
  auto bad = client.call("GetItem", {{"TableName", "nope!"}, {"Key", nlohmann::json::object()}});
  EXPECT_EQ(bad.error().name, "ValidationException");
  EXPECT_EQ(bad.error().kind, ErrorKind::kBadRequest);
  EXPECT_TRUE(waits.empty());
  EXPECT_EQ(client.attempts(), 1u);
  c.url = "http://127.0.0.1:1";  // nothing listens: a transport error, retried, then kUnavailable
  aws::AwsJsonClient unreachable(c, Rng(1), [&](int64_t ms) { waits.push_back(ms); });
  auto down = unreachable.call("ListTables", nlohmann::json::object());
  EXPECT_EQ(down.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(unreachable.attempts(), 3u);
  EXPECT_EQ(waits.size(), 2u);
  for (int64_t w : waits) EXPECT_LE(w, c.max_backoff_ms);
}

}  // namespace
}  // namespace tenantsim
