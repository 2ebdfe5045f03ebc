// TableWrapper: a Table that forwards every call to another (LevelDB's EnvWrapper). A decorator
// (fault injection, a recording probe, a defect that lives at the seam) derives from it and
// overrides only the calls it changes.
#pragma once

#include <memory>
#include <utility>

#include "core/ports/table.h"

namespace tenantsim {

class TableWrapper : public Table {
 public:
  // REQUIRES: target is not null.
  explicit TableWrapper(std::shared_ptr<Table> target) : target_(std::move(target)) {}

  const TableSchema& schema() const override { return target_->schema(); }
  Task<Result<std::optional<Item>>> get_item(Key key, bool consistent_read = true) override {
    return target_->get_item(std::move(key), consistent_read);
  }
  Task<Status> put_item(Item item, std::optional<Condition> condition = std::nullopt) override {
    return target_->put_item(std::move(item), std::move(condition));
  }
  Task<Result<Item>> update_item(Key key, Update update, std::optional<Condition> condition = std::nullopt) override {
    return target_->update_item(std::move(key), std::move(update), std::move(condition));
  }
  Task<Status> delete_item(Key key, std::optional<Condition> condition = std::nullopt) override {
    return target_->delete_item(std::move(key), std::move(condition));
  }
  Task<Result<QueryPage>> query(QueryRequest request) override { return target_->query(std::move(request)); }
  Task<Status> batch_write(std::vector<WriteRequest> writes) override { return target_->batch_write(std::move(writes)); }
  Task<Status> transact_write(std::vector<TransactItem> items) override {
    return target_->transact_write(std::move(items));
  }

  Table& target() { return *target_; }

 private:
  std::shared_ptr<Table> target_;
};

// DatabaseWrapper: a Database that forwards every call to another; decorators override open().
class DatabaseWrapper : public Database {
 public:
  // `target` must outlive this object and the tables it opens.
  explicit DatabaseWrapper(Database& target) : target_(target) {}

  Status create_table(TableSchema schema) override { return target_.create_table(std::move(schema)); }
  Status delete_table(const std::string& name) override { return target_.delete_table(name); }
  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override {
    return target_.open(name, std::move(scope));
  }

 protected:
  Database& target() { return target_; }

 private:
  Database& target_;
};

}  // namespace tenantsim
