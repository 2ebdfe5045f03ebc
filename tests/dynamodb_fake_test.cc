// The DynamoDB fake on its own: each behaviour the system relies on, and the error it gives when
// the rule is broken, so a fake that drifts from DynamoDB fails here before it misleads a scenario.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/fake_dynamodb.h"

namespace tenantsim {
namespace {

class DynamoFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db.create_table({"items", "pk", "sk"}).ok());
    table = db.open("items", std::nullopt).value();
  }
  template <class T>
  T run(Task<T> t) {
    return run_to_completion(clock, std::move(t));
  }
  Status put(std::string pk, std::string sk, Item extra = {}, std::optional<Condition> c = std::nullopt) {
    extra["pk"] = std::move(pk);
    extra["sk"] = std::move(sk);
    return run(table->put_item(std::move(extra), std::move(c)));
  }
  std::string error_name(const Status& s) { return s.ok() ? "ok" : s.error().name; }

  VirtualClock clock{from_unix_seconds(1704067200)};
  FakeDynamoDb db{clock};
  std::shared_ptr<Table> table;
};

TEST_F(DynamoFakeTest, PutGetAndMissingItem) {
  ASSERT_TRUE(put("a", "1", {{"n", int64_t{5}}}).ok());
  auto got = run(table->get_item({"a", "1"}));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(get_number(**got, "n"), 5);
  auto none = run(table->get_item({"a", "2"}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(DynamoFakeTest, KeysAreValidated) {
  EXPECT_EQ(error_name(put("", "1")), "ValidationException");
  EXPECT_EQ(error_name(put("a", "")), "ValidationException");
  auto r = run(table->get_item({"a", ""}));
  EXPECT_EQ(r.error().name, "ValidationException");
}

TEST_F(DynamoFakeTest, ConditionsDecideAtomicallyAndChangeNothingWhenFalse) {
  ASSERT_TRUE(put("a", "1", {{"v", std::string("x")}}, Condition::not_exists("pk")).ok());
  EXPECT_EQ(error_name(put("a", "1", {{"v", std::string("y")}}, Condition::not_exists("pk"))),
            "ConditionalCheckFailedException");
  EXPECT_EQ(*get_string(**run(table->get_item({"a", "1"})), "v"), "x");
  // <> is true for a missing attribute, comparisons on a missing one are false (DynamoDB's rules).
  EXPECT_TRUE(put("a", "1", {{"v", std::string("z")}}, Condition::ne("missing", int64_t{1})).ok());
  EXPECT_EQ(error_name(put("a", "1", {}, Condition::lt("missing", int64_t{1}))), "ConditionalCheckFailedException");
  EXPECT_EQ(error_name(run(table->delete_item({"a", "1"}, Condition::eq("v", std::string("other"))))),
            "ConditionalCheckFailedException");
  EXPECT_TRUE(run(table->delete_item({"a", "1"}, Condition::eq("v", std::string("z")))).ok());
  EXPECT_FALSE(run(table->get_item({"a", "1"}))->has_value());
}

TEST_F(DynamoFakeTest, UpdateSetsAddsRemovesAndRefusesKeyChanges) {
  Update u;
  u.set("name", std::string("n")).add("count", 3).add("count2", -2);
  auto r = run(table->update_item({"a", "1"}, std::move(u)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(get_number(*r, "count"), 3);
  EXPECT_EQ(get_number(*r, "count2"), -2);
  Update again;
  again.add("count", 4).remove("name");
  r = run(table->update_item({"a", "1"}, std::move(again)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(get_number(*r, "count"), 7);
  EXPECT_EQ(get_string(*r, "name"), nullptr);
  Update key_change;
  key_change.set("sk", std::string("2"));
  EXPECT_EQ(run(table->update_item({"a", "1"}, std::move(key_change))).error().name, "ValidationException");
  Update wrong_type;
  wrong_type.set("s", std::string("text"));
  ASSERT_TRUE(run(table->update_item({"a", "1"}, std::move(wrong_type))).ok());
  Update add_to_string;
  add_to_string.add("s", 1);
  EXPECT_EQ(run(table->update_item({"a", "1"}, std::move(add_to_string))).error().name, "ValidationException");
}

// As DynamoDB (and the wire fake) answer "Two document paths overlap": the in-process fake once
// summed `ADD n :1, n :1`, which hid a metering batch that the service refuses.
TEST_F(DynamoFakeTest, UpdateNamingAnAttributeTwiceIsRefusedAndChangesNothing) {
  Update twice;
  twice.add("n", 1).add("n", 1);
  auto r = run(table->update_item({"a", "1"}, std::move(twice)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().name, "ValidationException");
  EXPECT_NE(r.error().message.find("Two document paths overlap"), std::string::npos) << r.error().message;
  Update set_and_remove;
  set_and_remove.set("m", std::string("x")).remove("m");
  EXPECT_FALSE(run(table->update_item({"a", "1"}, std::move(set_and_remove))).ok());
  EXPECT_FALSE(run(table->get_item({"a", "1"})).value().has_value());
}

TEST_F(DynamoFakeTest, ItemSizeLimitIs400KB) {
  const std::string big(400 * 1024, 'x');
  EXPECT_EQ(error_name(put("a", "1", {{"blob", big}})), "ValidationException");
  EXPECT_TRUE(put("a", "1", {{"blob", std::string(399 * 1024, 'x')}}).ok());
  EXPECT_EQ(db.item_count("items"), 1u);
}

TEST_F(DynamoFakeTest, QueryOrdersFiltersAndPaginates) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(put("a", fmt::format("m#{:02d}", i)).ok());
  ASSERT_TRUE(put("a", "z#1").ok());
  ASSERT_TRUE(put("b", "m#00").ok());
  QueryRequest q;
  q.partition = "a";
  q.sort = {SortKeyCondition::Op::kBeginsWith, "m#", ""};
  q.limit = 4;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = run(table->query(q));
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const auto& item : page->items) seen.push_back(*get_string(item, "sk"));
    if (!page->last_evaluated_key) break;
    q.exclusive_start_key = page->last_evaluated_key;
  }
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), "m#00");
  EXPECT_EQ(seen.back(), "m#09");
  EXPECT_EQ(pages, 3);  // 4 + 4 + 2

  QueryRequest range;
  range.partition = "a";
  range.sort = {SortKeyCondition::Op::kBetween, "m#03", "m#05"};
  range.scan_forward = false;
  auto page = run(table->query(range));
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(*get_string(page->items[0], "sk"), "m#05");
  EXPECT_FALSE(page->last_evaluated_key);
}

TEST_F(DynamoFakeTest, QueryBackwardsPaginatesWithinThePrefixOnly) {
  for (const char* sk : {"a#1", "m#1", "m#2", "m#3", "m#4", "m#5", "n#1", "m"}) ASSERT_TRUE(put("p", sk).ok());
  QueryRequest q;
  q.partition = "p";
  q.sort = {SortKeyCondition::Op::kBeginsWith, "m#", ""};
  q.scan_forward = false;
  q.limit = 2;
  std::vector<std::string> seen;
  for (;;) {
    auto page = run(table->query(q));
    ASSERT_TRUE(page.ok());
    for (const auto& item : page->items) seen.push_back(*get_string(item, "sk"));
    if (!page->last_evaluated_key) break;
    q.exclusive_start_key = page->last_evaluated_key;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"m#5", "m#4", "m#3", "m#2", "m#1"}));
  QueryRequest lt;
  lt.partition = "p";
  lt.sort = {SortKeyCondition::Op::kLt, "m#2", ""};
  EXPECT_EQ(run(table->query(lt))->items.size(), 3u);  // a#1, m, m#1
  QueryRequest gt;
  gt.partition = "p";
  gt.sort = {SortKeyCondition::Op::kGt, "m#5", ""};
  EXPECT_EQ(run(table->query(gt))->items.size(), 1u);  // n#1
}

TEST_F(DynamoFakeTest, QueryPagesStopAtOneMegabyte) {
  const std::string blob(300 * 1024, 'x');
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(put("a", fmt::format("{}", i), {{"blob", blob}}).ok());
    clock.advance(std::chrono::seconds(1));  // 300 WCU each: stay under 1,000 per partition-second
  }
  QueryRequest q;
  q.partition = "a";
  auto first = run(table->query(q));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->items.size(), 4u);  // the page that crosses 1 MB ends it
  ASSERT_TRUE(first->last_evaluated_key);
  q.exclusive_start_key = first->last_evaluated_key;
  EXPECT_EQ(run(table->query(q))->items.size(), 1u);
}

TEST_F(DynamoFakeTest, BatchWriteTakesAtMost25) {
  std::vector<WriteRequest> writes(26);
  for (size_t i = 0; i < writes.size(); ++i) writes[i].item = {{"pk", std::string("a")}, {"sk", fmt::format("{}", i)}};
  EXPECT_EQ(error_name(run(table->batch_write(writes))), "ValidationException");
  writes.pop_back();
  EXPECT_TRUE(run(table->batch_write(writes)).ok());
  EXPECT_EQ(db.item_count("items"), 25u);
}

TEST_F(DynamoFakeTest, TransactionIsAllOrNothing) {
  ASSERT_TRUE(put("a", "full", {{"count", int64_t{5}}}).ok());
  std::vector<TransactItem> tx(2);
  tx[0].kind = TransactItem::Kind::kUpdate;
  tx[0].key = {"a", "free"};
  tx[0].update.add("count", 1);
  tx[0].condition = Condition::not_exists("count") || Condition::lt("count", int64_t{5});
  tx[1].kind = TransactItem::Kind::kUpdate;
  tx[1].key = {"a", "full"};
  tx[1].update.add("count", 1);
  tx[1].condition = Condition::lt("count", int64_t{5});
  EXPECT_EQ(error_name(run(table->transact_write(tx))), "TransactionCanceledException");
  EXPECT_FALSE(run(table->get_item({"a", "free"}))->has_value()) << "the passing half must not apply";
  EXPECT_EQ(get_number(**run(table->get_item({"a", "full"})), "count"), 5);

  tx[1].condition = Condition::le("count", int64_t{5});
  EXPECT_TRUE(run(table->transact_write(tx)).ok());
  EXPECT_EQ(get_number(**run(table->get_item({"a", "free"})), "count"), 1);
  EXPECT_EQ(get_number(**run(table->get_item({"a", "full"})), "count"), 6);

  std::vector<TransactItem> same_item(2, tx[0]);
  EXPECT_EQ(error_name(run(table->transact_write(same_item))), "ValidationException");
  EXPECT_EQ(error_name(run(table->transact_write(std::vector<TransactItem>(101, tx[0])))), "ValidationException");
}

TEST_F(DynamoFakeTest, PartitionWriteThroughputIsThrottledPerSecond) {
  int accepted = 0;
  std::string last_error;
  for (int i = 0; i < 1100; ++i) {
    auto st = put("hot", fmt::format("{}", i));
    if (st.ok()) {
      ++accepted;
    } else {
      last_error = st.error().name;
    }
  }
  EXPECT_EQ(accepted, 1000);  // 1 WCU per small item, 1,000 per partition-second
  EXPECT_EQ(last_error, "ProvisionedThroughputExceededException");
  EXPECT_TRUE(put("cold", "1").ok()) << "another partition has its own budget";
  clock.advance(std::chrono::seconds(1));
  EXPECT_TRUE(put("hot", "next").ok()) << "the budget renews each second";
  EXPECT_EQ(db.ledger().throttled, 100u);
  EXPECT_EQ(db.ledger().units.at("items").at("hot").write_units, 1001);
}

// Request units as DynamoDB bills them, at the edges: a write unit per started KB, a read unit per
// started 4 KB for a strongly consistent read and half of that for an eventually consistent one.
// The item {pk: "w1024", sk: "1", d} weighs 2+5 + 2+1 + 1 + |d| bytes (names and values).
TEST_F(DynamoFakeTest, RequestUnitsRoundUpAtTheKilobyteEdges) {
  auto units = [&](const std::string& pk) { return db.ledger().units.at("items").at(pk); };
  ASSERT_TRUE(put("w1024", "1", {{"d", std::string(1024 - 11, 'x')}}).ok());
  EXPECT_EQ(units("w1024").write_units, 1);
  ASSERT_TRUE(put("w1025", "1", {{"d", std::string(1025 - 11, 'x')}}).ok());
  EXPECT_EQ(units("w1025").write_units, 2);
  ASSERT_TRUE(put("r4096", "1", {{"d", std::string(4096 - 11, 'x')}}).ok());
  ASSERT_TRUE(run(table->get_item({"r4096", "1"}, true)).ok());
  EXPECT_EQ(units("r4096").read_half_units, 2);  // one read unit
  ASSERT_TRUE(run(table->get_item({"r4096", "1"}, false)).ok());
  EXPECT_EQ(units("r4096").read_half_units, 3);  // and half a unit, eventually consistent
  ASSERT_TRUE(put("r4097", "1", {{"d", std::string(4097 - 11, 'x')}}).ok());
  EXPECT_EQ(units("r4097").write_units, 5);  // 4,097 bytes: five started kilobytes
  ASSERT_TRUE(run(table->get_item({"r4097", "1"}, true)).ok());
  EXPECT_EQ(units("r4097").read_half_units, 4);  // two read units
  ASSERT_TRUE(run(table->get_item({"absent", "1"}, true)).ok());
  EXPECT_EQ(units("absent").read_half_units, 2);  // a miss still costs a unit
}

TEST_F(DynamoFakeTest, LeadingKeyScopeMatchesWholeValues) {
  ASSERT_TRUE(put("acme-corp", "secret").ok());
  auto acme = db.open("items", LeadingKeyScope{"acme"}).value();
  EXPECT_EQ(run(acme->get_item({"acme-corp", "secret"})).error().name, "AccessDeniedException");
  QueryRequest q;
  q.partition = "acme-corp";
  EXPECT_EQ(run(acme->query(q)).error().name, "AccessDeniedException");
  Item foreign{{"pk", std::string("acme-corp")}, {"sk", std::string("x")}};
  EXPECT_EQ(error_name(run(acme->put_item(foreign))), "AccessDeniedException");
  EXPECT_TRUE(run(acme->get_item({"acme", "own"})).ok());
  EXPECT_EQ(db.ledger().access_denied, 3u);
}

TEST_F(DynamoFakeTest, TablesAreCreatedOnceAndOpenedOnlyIfTheyExist) {
  EXPECT_EQ(db.create_table({"items", "pk", "sk"}).error().name, "ResourceInUseException");
  EXPECT_EQ(db.open("nope", std::nullopt).error().name, "ResourceNotFoundException");
  ASSERT_TRUE(db.delete_table("items").ok());
  EXPECT_EQ(db.open("items", std::nullopt).error().name, "ResourceNotFoundException");
}


}  // namespace
}  // namespace tenantsim
