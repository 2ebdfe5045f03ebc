// Metering: one usage record per metric (input tokens, output tokens, invocation, weather call,
// tool execution), attributed to tenant, user and session, in the tenant's usage partition.
// Records are written idempotently (the sort key is derived from the request id and metric), so a
// retry never double-counts, and a record that cannot be written yet waits in an outbox and is
// flushed later: nothing is dropped when the table fails after the model has answered.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/defects.h"
#include "core/domain/catalogs.h"
#include "core/ports/clock.h"
#include "core/ports/table.h"

namespace tenantsim {

struct UsageRecord {
  std::string tenant_id;
  std::string user_id;
  std::string session_id;
  std::string request_id;
  std::string metric_type;
  int64_t value = 0;
  std::string model_id;
  Time timestamp{};
  int seq = 0;  // distinguishes records of one request and metric (e.g. two model calls)

  Item to_item() const;
  static std::optional<UsageRecord> from_item(const Item& item);
};

// Opens the usage table for a tenant. Metering calls it for each write, so a record can only ever
// be written under the tenant it names.
class UsageTableSource {
 public:
  virtual ~UsageTableSource() = default;
  virtual Result<std::shared_ptr<Table>> usage_table_for(const std::string& tenant_id) = 0;
};

class Metering {
 public:
  Metering(UsageTableSource& tables, const DefectSet& defects) : tables_(tables), defects_(defects) {}

  // Writes the records (up to 3 attempts each); what still fails goes to the outbox. Never fails.
  Task<void> record(std::vector<UsageRecord> records);
  // Retries the outbox; returns how many records remain in it.
  Task<size_t> flush();
  size_t pending() const;

 private:
  Task<bool> write(UsageRecord r, std::map<std::string, std::shared_ptr<Table>>* opened);

  UsageTableSource& tables_;
  const DefectSet& defects_;
  mutable std::mutex mu_;
  std::deque<UsageRecord> outbox_;
};

// Aggregated cost: quantities per metric and model, priced by a catalog.
struct CostLine {
  std::string metric_type;
  std::string model_id;
  int64_t quantity = 0;
  Money cost;
};

struct CostSummary {
  Money total;
  std::map<std::string, Money> by_service;
  std::map<std::string, Money> by_user;
  std::map<std::string, std::map<std::string, Money>> by_user_service;
  std::map<std::string, Money> by_day;
  std::map<std::string, std::map<std::string, Money>> by_service_day;  // service -> local day -> cost
  std::map<std::string, std::map<std::string, int64_t>> quantity_by_day;  // local day -> metric -> quantity
  std::map<std::pair<std::string, std::string>, CostLine> lines;  // (metric, model)
  // user -> (metric, model) -> quantity
  std::map<std::string, std::map<std::pair<std::string, std::string>, int64_t>> quantity_by_user;
  int64_t records = 0;
};

// A span of time, [from, to).
struct Period {
  Time from{};
  Time to{};
};

// Reads every usage record of a tenant in `period` (all of them when nullopt) and prices it.
// `by_day` is keyed by the tenant's local day (in its time zone), like its quota windows.
Task<Result<CostSummary>> summarize_costs(Table& usage, std::string tenant_id, std::optional<Period> period,
                                          const PriceCatalog& prices, const TimeZone& zone = {});

}  // namespace tenantsim
