#include "harness/faults/faulty_database.h"

namespace tenantsim {

namespace {

// The units of the plan's per_unit latency: KB of the items a call carries (at least one).
int64_t kilobytes(size_t bytes) { return std::max<int64_t>(1, static_cast<int64_t>((bytes + 1023) / 1024)); }

class FaultyTable final : public Table, public FaultGate {
 public:
  FaultyTable(std::shared_ptr<Table> inner, Clock& clock, std::shared_ptr<FaultInjector> faults)
      : FaultGate(clock, std::move(faults)), inner_(std::move(inner)) {}

  const TableSchema& schema() const override { return inner_->schema(); }

  Task<Result<std::optional<Item>>> get_item(Key key, bool consistent_read) override {
    if (auto e = co_await on_the_wire(1)) co_return *e;
    co_return co_await inner_->get_item(std::move(key), consistent_read);
  }
  Task<Status> put_item(Item item, std::optional<Condition> condition) override {
    if (auto e = co_await on_the_wire(kilobytes(item_size_bytes(item)))) co_return *e;
    co_return co_await inner_->put_item(std::move(item), std::move(condition));
  }
  Task<Result<Item>> update_item(Key key, Update update, std::optional<Condition> condition) override {
    if (auto e = co_await on_the_wire(1)) co_return *e;
    co_return co_await inner_->update_item(std::move(key), std::move(update), std::move(condition));
  }
  Task<Status> delete_item(Key key, std::optional<Condition> condition) override {
    if (auto e = co_await on_the_wire(1)) co_return *e;
    co_return co_await inner_->delete_item(std::move(key), std::move(condition));
  }
  Task<Result<QueryPage>> query(QueryRequest request) override {
    if (auto e = co_await on_the_wire(1)) co_return *e;
    co_return co_await inner_->query(std::move(request));
  }
  Task<Status> batch_write(std::vector<WriteRequest> writes) override {
    size_t bytes = 0;
    for (const auto& w : writes) bytes += item_size_bytes(w.item);
    if (auto e = co_await on_the_wire(kilobytes(bytes))) co_return *e;
    co_return co_await inner_->batch_write(std::move(writes));
  }
  Task<Status> transact_write(std::vector<TransactItem> items) override {
    size_t bytes = 0;
    for (const auto& t : items) bytes += item_size_bytes(t.item);
    if (auto e = co_await on_the_wire(kilobytes(bytes))) co_return *e;
    co_return co_await inner_->transact_write(std::move(items));
  }

 private:
  Task<std::optional<Error>> on_the_wire(int64_t units) { return pass(units, "InternalServerError"); }

  std::shared_ptr<Table> inner_;
};

}  // namespace

Result<std::shared_ptr<Table>> FaultyDatabase::open(const std::string& name, std::optional<LeadingKeyScope> scope) {
  auto table = target().open(name, std::move(scope));
  if (!table.ok()) return table.take_error();
  return std::shared_ptr<Table>(std::make_shared<FaultyTable>(std::move(*table), clock_, faults_));
}

}  // namespace tenantsim
