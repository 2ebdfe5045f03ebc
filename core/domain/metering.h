// Metering: one usage record per metric (input tokens, output tokens, invocation, weather call,
// tool execution), attributed to tenant, user and session, in the tenant's usage partition.
//
// Beside the records, a running aggregate per local day and user (sort key "a#{day}#{user}": the
// quantity of each metric and model, and the number of records), written in the same transaction
// as the records, so the cost views read a tenant's month as at most a month of days x users items
// instead of every record it ever made (which grew with every chat: a month of a busy tenant was
// quadratic). The records stay the truth: the harness prices them on their own and the oracle
// checks the cost views, which read the aggregate, against them (cost.views).
//
// Records are written idempotently: each record's put is conditional on its key being new (the
// key is derived from the request id and metric), so a batch that was applied and is sent again
// cancels as a whole and nothing is counted twice; a batch that cannot be written yet waits in an
// outbox and is flushed later: nothing is dropped when the table fails after the model answered.
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

// A tenant's usage table and the time zone its days are counted in.
struct TenantUsageTable {
  std::shared_ptr<Table> table;
  TimeZone zone;
};

// Opens the usage table for a tenant. Metering calls it for each write, so a record can only ever
// be written under the tenant it names.
class UsageTableSource {
 public:
  virtual ~UsageTableSource() = default;
  virtual Result<TenantUsageTable> usage_of(const std::string& tenant_id) = 0;
};

class Metering {
 public:
  Metering(UsageTableSource& tables, const DefectSet& defects) : tables_(tables), defects_(defects) {}

  // Writes the records with their aggregates, a transaction per tenant and at most
  // kRecordsPerTransaction records (up to 3 attempts each); what still fails goes to the outbox.
  // Never fails.
  Task<void> record(std::vector<UsageRecord> records);
  // Retries the outbox; returns how many records remain in it.
  Task<size_t> flush();
  size_t pending() const;

  // A transaction holds at most 100 actions: the records' puts and one aggregate update per
  // (day, user) among them, which are never more than the records.
  static constexpr size_t kRecordsPerTransaction = 50;

 private:
  using Batch = std::vector<UsageRecord>;  // one tenant's records, written all or none
  Task<bool> write(const Batch& batch);
  Task<void> write_or_keep(Batch batch);  // into the outbox when it cannot be written

  UsageTableSource& tables_;
  const DefectSet& defects_;
  mutable std::mutex mu_;
  std::deque<Batch> outbox_;
};

// The sort key of a tenant's aggregate for one local day ("YYYY-MM-DD") and user.
std::string usage_aggregate_key(const std::string& day, const std::string& user_id);

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

// Reads every usage record of a tenant in `period` (all of them when nullopt) and prices it: the
// records themselves, as the harness reads them to check what the system reports.
// `by_day` is keyed by local day in `zone`.
Task<Result<CostSummary>> summarize_records(Table& usage, std::string tenant_id, std::optional<Period> period,
                                            const PriceCatalog& prices, const TimeZone& zone = {});

// The same summary as summarize_records, as the system's cost views read it: whole local days of
// `period` (in the tenant's own zone, which its aggregates are kept in) from the aggregates, and
// only the records of the partial days at its edges (a rolling ?days=N window starts and ends
// inside a day; a month or all time has none).
Task<Result<CostSummary>> summarize_usage(Table& usage, std::string tenant_id, std::optional<Period> period,
                                          const PriceCatalog& prices, const TimeZone& zone);

}  // namespace tenantsim
