// results.sqlite: the raw results of a run, for queries and for re-rendering the reports
// (`tenantsim report DIR --format ...`). Requests stream in as the run makes them (one
// transaction, a prepared statement), so the file, not memory, grows with the run. Schema:
//
//   run(key TEXT PRIMARY KEY, value TEXT)            -- schema_version, scenario, seed, report_json
//   requests(seq INTEGER PRIMARY KEY, t_us INTEGER,  -- virtual time, microseconds since the epoch
//            tenant TEXT, tier TEXT, endpoint TEXT, status INTEGER, latency_us INTEGER)
//   usage(tenant TEXT, metric TEXT, quantity INTEGER, PRIMARY KEY (tenant, metric))   -- as metered
//   costs(tenant TEXT, service TEXT, pico_usd INTEGER, PRIMARY KEY (tenant, service))
//
// The file is built under a temporary name and renamed into place by finish(), so a reader never
// sees half of it.
#pragma once

#include <memory>
#include <string>

#include "core/base/result.h"
#include "reports/run_result.h"

namespace tenantsim {

class ResultsDb final : public RequestSink {
 public:
  // Creates DIR/.results.sqlite.tmp (DIR must exist). kUnavailable if SQLite cannot.
  static Result<std::unique_ptr<ResultsDb>> create(const std::string& dir);
  ~ResultsDb() override;

  void record(const RequestRow& row) override;
  // Writes the run, usage and cost tables, commits, and renames the file to DIR/results.sqlite.
  Status finish(const RunResult& result, const std::string& report_json);

  // The report_json stored in DIR/results.sqlite.
  static Result<std::string> read_report_json(const std::string& dir);

 private:
  struct Impl;
  explicit ResultsDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tenantsim
