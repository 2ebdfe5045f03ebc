#include "harness/defects/prefix_scoped_database.h"

#include <fmt/format.h>

#include "core/ports/table_wrapper.h"

namespace tenantsim {

namespace {

class PrefixScopedTable final : public TableWrapper {
 public:
  PrefixScopedTable(std::shared_ptr<Table> inner, std::string prefix)
      : TableWrapper(std::move(inner)), prefix_(std::move(prefix)) {}

  Task<Result<std::optional<Item>>> get_item(Key key, bool consistent_read) override {
    if (auto e = refuse(key.partition)) co_return *e;
    co_return co_await target().get_item(std::move(key), consistent_read);
  }
  Task<Status> put_item(Item item, std::optional<Condition> condition) override {
    if (auto e = refuse(partition_of(item))) co_return *e;
    co_return co_await target().put_item(std::move(item), std::move(condition));
  }
  Task<Result<Item>> update_item(Key key, Update update, std::optional<Condition> condition) override {
    if (auto e = refuse(key.partition)) co_return *e;
    co_return co_await target().update_item(std::move(key), std::move(update), std::move(condition));
  }
  Task<Status> delete_item(Key key, std::optional<Condition> condition) override {
    if (auto e = refuse(key.partition)) co_return *e;
    co_return co_await target().delete_item(std::move(key), std::move(condition));
  }
  Task<Result<QueryPage>> query(QueryRequest request) override {
    if (auto e = refuse(request.partition)) co_return *e;
    co_return co_await target().query(std::move(request));
  }
  Task<Status> batch_write(std::vector<WriteRequest> writes) override {
    for (const auto& w : writes)
      if (auto e = refuse(w.kind == WriteRequest::Kind::kPut ? partition_of(w.item) : w.key.partition)) co_return *e;
    co_return co_await target().batch_write(std::move(writes));
  }
  Task<Status> transact_write(std::vector<TransactItem> items) override {
    for (const auto& t : items)
      if (auto e = refuse(t.kind == TransactItem::Kind::kPut ? partition_of(t.item) : t.key.partition)) co_return *e;
    co_return co_await target().transact_write(std::move(items));
  }

 private:
  std::string partition_of(const Item& item) const {
    const auto* v = get_string(item, schema().partition_key);
    return v ? *v : std::string();
  }
  // The defect: a prefix, where the policy should compare the whole value. An item without a
  // partition key goes on, for the table below to refuse as malformed.
  std::optional<Error> refuse(const std::string& partition) const {
    if (partition.empty() || partition.starts_with(prefix_)) return std::nullopt;
    return Error::make(ErrorKind::kForbidden, service_error_name(ServiceError::kAccessDenied),
                       fmt::format("not authorized to access partition '{}' of table {} (dynamodb:LeadingKeys {}*)",
                                   partition, schema().name, prefix_));
  }

  std::string prefix_;
};

}  // namespace

Result<std::shared_ptr<Table>> PrefixScopedDatabase::open(const std::string& name, std::optional<LeadingKeyScope> scope) {
  auto table = target().open(name, std::nullopt);
  if (!table.ok() || !scope) return table;
  return std::shared_ptr<Table>(std::make_shared<PrefixScopedTable>(std::move(table).value(), scope->partition_value));
}

}  // namespace tenantsim
