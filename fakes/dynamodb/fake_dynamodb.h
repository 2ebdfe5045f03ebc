// FakeDynamoDb: an in-memory, deterministic DynamoDB behind the Table/Database ports.
// Faithful where the system can observe it: key and item validation (400 KB item limit),
// condition and update semantics, Query ordering and pagination (Limit and the 1 MB page),
// BatchWriteItem (25) and TransactWriteItems (100, all or nothing), per-partition throughput
// (3,000 RCU / 1,000 WCU per second), leading-key scoping, and the real exception names.
// Its ledger counts the capacity units it would bill, per table and partition key.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/ports/clock.h"
#include "core/ports/table.h"
#include "fakes/common/faults.h"

namespace tenantsim {

struct CapacityUnits {
  int64_t read_half_units = 0;  // eventually consistent reads cost half a unit
  int64_t write_units = 0;
  friend bool operator==(const CapacityUnits&, const CapacityUnits&) = default;
};

struct DynamoLedger {
  // table -> partition key value -> units consumed by successful calls
  std::map<std::string, std::map<std::string, CapacityUnits>> units;
  // The same units by UTC day "YYYY-MM-DD" -> partition key value, over all tables: what a daily
  // cost and usage report would show. An entry exists only for a key used that day.
  std::map<std::string, std::map<std::string, CapacityUnits>> units_by_day;
  uint64_t requests = 0;
  uint64_t throttled = 0;
  uint64_t access_denied = 0;
};

struct DynamoLimits {
  int64_t partition_read_units_per_second = 3000;
  int64_t partition_write_units_per_second = 1000;
  size_t max_item_bytes = 400 * 1024;
};

class FakeDynamoDb final : public Database {
 public:
  // Faults are not the service's: harness/faults/faulty_database.h puts them at the port.
  explicit FakeDynamoDb(Clock& clock, DynamoLimits limits = {});
  ~FakeDynamoDb() override;

  Status create_table(TableSchema schema) override;
  Status delete_table(const std::string& name) override;
  Result<std::shared_ptr<Table>> open(const std::string& name, std::optional<LeadingKeyScope> scope) override;

  // A copy of the ledger (consistent snapshot).
  DynamoLedger ledger() const;
  // Per-partition throughput and item size limits (a capacity what-if).
  void set_limits(DynamoLimits limits);
  // Number of items in a table (tests and memory accounting).
  size_t item_count(const std::string& table) const;

  struct State;  // shared with table handles, so a handle may outlive a deleted table safely

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tenantsim
