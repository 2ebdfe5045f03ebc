// Metering on its own, over the DynamoDB fake: the running aggregate the cost views read must
// always price to what the records themselves price to, for any window and zone, and a batch must
// count once however often it is sent.
#include <gtest/gtest.h>

#include "core/base/rng.h"
#include "core/domain/metering.h"
#include "core/ports/table_wrapper.h"
#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/fake_dynamodb.h"

namespace tenantsim {
namespace {

// Transactions that fail: `fail_before` times without applying, then `fail_after` times applied but
// answered with an error (an answer lost on the way back). Aggregate updates on their own fail
// while `fail_updates` lasts.
class FlakyTransactions final : public TableWrapper {
 public:
  using TableWrapper::TableWrapper;
  int fail_before = 0, fail_after = 0, fail_updates = 0;
  int transactions = 0;

  Task<Status> transact_write(std::vector<TransactItem> items) override {
    ++transactions;
    if (fail_before > 0) {
      --fail_before;
      co_return transient();
    }
    auto st = co_await TableWrapper::transact_write(std::move(items));
    if (st.ok() && fail_after > 0) {
      --fail_after;
      co_return transient();
    }
    co_return st;
  }
  Task<Result<Item>> update_item(Key key, Update update, std::optional<Condition> condition) override {
    if (fail_updates > 0) {
      --fail_updates;
      co_return transient();
    }
    co_return co_await TableWrapper::update_item(std::move(key), std::move(update), std::move(condition));
  }

 private:
  static Error transient() { return Error::make(ErrorKind::kUnavailable, "InternalServerError", "injected"); }
};

struct MeteringFixture : ::testing::Test, UsageTableSource {
  VirtualClock clock{from_unix_seconds(1704067200)};  // 2024-01-01T00:00:00Z
  FakeDynamoDb db{clock};
  DefectSet defects;
  Metering metering{*this, defects};
  std::shared_ptr<FlakyTransactions> usage;
  TimeZone zone = TimeZone::fixed(330);  // +05:30: local days start on the half hour
  PriceCatalog prices;

  void SetUp() override {
    ASSERT_TRUE(db.create_table(TableSchema{"usage", "tenant_id", "sk"}).ok());
    auto t = db.open("usage", LeadingKeyScope{"acme"});
    ASSERT_TRUE(t.ok());
    usage = std::make_shared<FlakyTransactions>(std::move(t).value());
    auto catalog = PriceCatalog::from_json(nlohmann::json::parse(R"({"name": "test", "prices": [
        {"metric": "bedrock_input_tokens", "model": "m1", "usd": "0.000003", "per": 1},
        {"metric": "bedrock_output_tokens", "model": "m1", "usd": "0.000015", "per": 1},
        {"metric": "weather_api_call", "usd": "0.0001", "per": 1}]})"));
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    prices = std::move(catalog).value();
  }
  Result<TenantUsageTable> usage_of(const std::string& tenant_id) override {
    if (tenant_id != "acme") return Error::make(ErrorKind::kNotFound, "TenantNotFound", tenant_id);
    return TenantUsageTable{usage, zone};
  }

  // A request's records at `at`: model tokens and, every third request, a weather call.
  std::vector<UsageRecord> request(int i, Time at, const std::string& user) {
    std::vector<UsageRecord> out;
    auto add = [&](const char* metric, int64_t value, const char* model) {
      UsageRecord r;
      r.tenant_id = "acme";
      r.user_id = user;
      r.session_id = "s-" + user;
      r.request_id = "req-" + std::to_string(i);
      r.metric_type = metric;
      r.value = value;
      r.model_id = model;
      r.timestamp = at;
      out.push_back(std::move(r));
    };
    add(metric::kInputTokens, 100 + i, "m1");
    add(metric::kOutputTokens, 20 + i % 7, "m1");
    if (i % 3 == 0) add(metric::kWeatherCall, 1, "");
    return out;
  }
  CostSummary records(std::optional<Period> p) {
    auto s = run_to_completion(clock, summarize_records(*usage, "acme", p, prices, zone));
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : CostSummary{};
  }
  CostSummary views(std::optional<Period> p) {
    auto s = run_to_completion(clock, summarize_usage(*usage, "acme", p, prices, zone));
    EXPECT_TRUE(s.ok());
    return s.ok() ? *s : CostSummary{};
  }
};

void expect_same(const CostSummary& a, const CostSummary& b, const std::string& what) {
  EXPECT_EQ(a.total, b.total) << what;
  EXPECT_EQ(a.records, b.records) << what;
  EXPECT_EQ(a.by_day, b.by_day) << what;
  EXPECT_EQ(a.by_user_service, b.by_user_service) << what;
  EXPECT_EQ(a.quantity_by_day, b.quantity_by_day) << what;
  EXPECT_EQ(a.quantity_by_user, b.quantity_by_user) << what;
}

TEST_F(MeteringFixture, TheViewsOfAnyWindowPriceToWhatItsRecordsPriceTo) {
  Rng rng(7);
  const Time start = clock.now();
  for (int i = 0; i < 300; ++i) {
    const Time at = start + std::chrono::minutes(rng.between(0, 5 * 24 * 60));
    run_to_completion(clock, metering.record(request(i, at, i % 4 ? "alice" : "bob")));
    clock.advance(std::chrono::seconds(1));  // within the partition's write throughput
  }
  ASSERT_EQ(metering.pending(), 0u);
  const auto all = records(std::nullopt);
  ASSERT_EQ(all.records, 300 + 300 + 100);
  expect_same(views(std::nullopt), all, "all time");
  // Windows with edges on and off local midnights, inside one day, and across all five.
  const Time midnight = day_start(start + std::chrono::hours(30), zone);
  std::vector<Period> windows = {{start, start + std::chrono::hours(24 * 6)}, {midnight, midnight + std::chrono::hours(24)},
                                 {midnight + std::chrono::minutes(1), midnight + std::chrono::hours(50)},
                                 {midnight - std::chrono::minutes(1), midnight + std::chrono::minutes(1)}};
  for (int i = 0; i < 40; ++i) {
    const Time a = start + std::chrono::minutes(rng.between(0, 6 * 24 * 60));
    windows.push_back({a, a + std::chrono::minutes(rng.between(1, 4 * 24 * 60))});
  }
  for (const auto& w : windows) expect_same(views(w), records(w), to_iso8601(w.from) + " to " + to_iso8601(w.to));
}

TEST_F(MeteringFixture, ABatchAppliedButAnsweredWithAnErrorCountsOnce) {
  usage->fail_after = 1;
  run_to_completion(clock, metering.record(request(3, clock.now(), "alice")));
  EXPECT_EQ(usage->transactions, 2) << "sent again after the lost answer";
  EXPECT_EQ(metering.pending(), 0u) << "the second attempt found it written";
  EXPECT_EQ(views(std::nullopt).records, 3);
  expect_same(views(std::nullopt), records(std::nullopt), "after a lost answer");
}

TEST_F(MeteringFixture, ABatchThatCannotBeWrittenWaitsWholeAndIsFlushedOnce) {
  usage->fail_before = 3;
  run_to_completion(clock, metering.record(request(3, clock.now(), "alice")));
  EXPECT_EQ(metering.pending(), 3u);
  EXPECT_EQ(records(std::nullopt).records, 0) << "nothing half-written";
  EXPECT_EQ(views(std::nullopt).records, 0);
  usage->fail_after = 1;  // the flush's answer is lost too: its retry finds the batch written
  EXPECT_EQ(run_to_completion(clock, metering.flush()), 0u);
  EXPECT_EQ(run_to_completion(clock, metering.flush()), 0u);
  EXPECT_EQ(views(std::nullopt).records, 3);
  expect_same(views(std::nullopt), records(std::nullopt), "after the flush");
}

TEST_F(MeteringFixture, ALargeRequestIsSplitIntoTransactionsDynamoDbAccepts) {
  std::vector<UsageRecord> many;
  for (int i = 0; i < 90; ++i)
    for (auto& r : request(i, clock.now() + std::chrono::seconds(i), "alice")) many.push_back(std::move(r));
  ASSERT_GT(many.size(), Metering::kRecordsPerTransaction * 4);
  run_to_completion(clock, metering.record(many));
  EXPECT_EQ(metering.pending(), 0u) << "no transaction over 100 actions";
  expect_same(views(std::nullopt), records(std::nullopt), "split");
}

// What cost.views catches in a run (usage-aggregate-outside-transaction): the aggregate updated on
// its own loses what a failed update carried, and the views disagree with the records.
TEST_F(MeteringFixture, AnAggregateUpdatedOutsideTheTransactionLosesUsage) {
  defects.enable(Defect::kUsageAggregateOutsideTransaction);
  run_to_completion(clock, metering.record(request(1, clock.now(), "alice")));
  usage->fail_updates = 1;
  run_to_completion(clock, metering.record(request(2, clock.now(), "alice")));
  EXPECT_EQ(records(std::nullopt).records, 4);
  EXPECT_EQ(views(std::nullopt).records, 2);
  EXPECT_NE(views(std::nullopt).total, records(std::nullopt).total);
}

}  // namespace
}  // namespace tenantsim
