// Each DynamoDB fake operation on its own, with throughput limits lifted so the figure is the
// fake's cost per call (item count grows with the benchmark, like a real run's tables).
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "fakes/common/virtual_clock.h"
#include "fakes/dynamodb/fake_dynamodb.h"

namespace tenantsim {
namespace {

struct Fixture {
  VirtualClock clock{from_unix_seconds(1704067200)};
  FakeDynamoDb db{clock, DynamoLimits{int64_t{1} << 40, int64_t{1} << 40, 400 * 1024}};
  std::shared_ptr<Table> table;
  Fixture() {
    (void)db.create_table({"bench", "pk", "sk"});
    table = db.open("bench", LeadingKeyScope{"tenant-0001"}).value();
  }
  template <class T>
  T run(Task<T> t) {
    return run_to_completion(clock, std::move(t));
  }
  Item item(int64_t i) const {
    return {{"pk", std::string("tenant-0001")},
            {"sk", fmt::format("u#2024-01-01T00:00:00Z#{:012d}", i)},
            {"metric", std::string("bedrock_output_tokens")},
            {"quantity", int64_t{412}}};
  }
};

void fail_unless(benchmark::State& state, const Status& s) {
  if (!s.ok()) state.SkipWithError(s.error().message.c_str());
}

void BM_PutItem(benchmark::State& state) {
  Fixture f;
  int64_t i = 0;
  for (auto _ : state) fail_unless(state, f.run(f.table->put_item(f.item(i++))));
  state.SetItemsProcessed(state.iterations());
}

void BM_GetItem(benchmark::State& state) {
  Fixture f;
  for (int64_t i = 0; i < 10000; ++i) (void)f.run(f.table->put_item(f.item(i)));
  int64_t i = 0;
  for (auto _ : state) {
    Key k{"tenant-0001", fmt::format("u#2024-01-01T00:00:00Z#{:012d}", (i++ * 7919) % 10000)};
    auto r = f.run(f.table->get_item(std::move(k)));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_UpdateItemConditionalAdd(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    Update u;
    u.add("count", 1);
    Key k{"tenant-0001", "q#d#u#user#2024-01-01"};
    auto r = f.run(f.table->update_item(std::move(k), std::move(u), Condition::not_exists("count") ||
                                                                      Condition::lt("count", int64_t{1} << 60)));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_TransactWriteTwoCounters(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    std::vector<TransactItem> tx(2);
    for (int k = 0; k < 2; ++k) {
      tx[k].kind = TransactItem::Kind::kUpdate;
      tx[k].key = {"tenant-0001", k ? "q#m#u#user#2024-01" : "q#d#u#user#2024-01-01"};
      tx[k].update.add("count", 1);
      tx[k].condition = Condition::not_exists("count") || Condition::lt("count", int64_t{1} << 60);
    }
    fail_unless(state, f.run(f.table->transact_write(std::move(tx))));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_QueryPageOf10(benchmark::State& state) {
  Fixture f;
  for (int64_t i = 0; i < 10000; ++i) (void)f.run(f.table->put_item(f.item(i)));
  int64_t i = 0;
  for (auto _ : state) {
    QueryRequest q;
    q.partition = "tenant-0001";
    q.sort = {SortKeyCondition::Op::kGe, fmt::format("u#2024-01-01T00:00:00Z#{:012d}", (i++ * 7919) % 9990), ""};
    q.limit = 10;
    auto r = f.run(f.table->query(std::move(q)));
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BatchWrite25(benchmark::State& state) {
  Fixture f;
  int64_t i = 0;
  for (auto _ : state) {
    std::vector<WriteRequest> writes(25);
    for (auto& w : writes) w.item = f.item(i++);
    fail_unless(state, f.run(f.table->batch_write(std::move(writes))));
  }
  state.SetItemsProcessed(state.iterations() * 25);
}

BENCHMARK(BM_PutItem);
BENCHMARK(BM_GetItem);
BENCHMARK(BM_UpdateItemConditionalAdd);
BENCHMARK(BM_TransactWriteTwoCounters);
BENCHMARK(BM_QueryPageOf10);
BENCHMARK(BM_BatchWrite25);

}  // namespace
}  // namespace tenantsim
