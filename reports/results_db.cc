#include "reports/results_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <type_traits>

namespace tenantsim {

namespace {

Error db_error(sqlite3* db, const std::string& what) {
  return Error::make(ErrorKind::kUnavailable, "ResultsDb", fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : "out of memory"));
}

constexpr const char* kSchema = R"(
CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE requests (seq INTEGER PRIMARY KEY, t_us INTEGER NOT NULL, tenant TEXT NOT NULL, tier TEXT NOT NULL,
                       endpoint TEXT NOT NULL, status INTEGER NOT NULL, latency_us INTEGER NOT NULL);
CREATE TABLE usage (tenant TEXT NOT NULL, metric TEXT NOT NULL, quantity INTEGER NOT NULL, PRIMARY KEY (tenant, metric));
CREATE TABLE costs (tenant TEXT NOT NULL, tier TEXT NOT NULL, service TEXT NOT NULL, pico_usd INTEGER NOT NULL,
                    PRIMARY KEY (tenant, service));
CREATE TABLE daily_costs (tenant TEXT NOT NULL, tier TEXT NOT NULL, day TEXT NOT NULL, service TEXT NOT NULL,
                          pico_usd INTEGER NOT NULL, PRIMARY KEY (tenant, day, service));
CREATE TABLE tenants (tenant TEXT PRIMARY KEY, tier TEXT NOT NULL, deployment TEXT NOT NULL,
                      utc_offset_minutes INTEGER NOT NULL, users INTEGER NOT NULL, chats_accepted INTEGER NOT NULL,
                      cost_pico_usd INTEGER NOT NULL, revenue_pico_usd INTEGER NOT NULL,
                      subscription_pico_usd INTEGER NOT NULL, seats_pico_usd INTEGER NOT NULL,
                      overage_pico_usd INTEGER NOT NULL, time_zone TEXT NOT NULL);
CREATE TABLE daily (day TEXT PRIMARY KEY, revenue_pico_usd INTEGER NOT NULL, metered_cost_pico_usd INTEGER NOT NULL,
                    fixed_cost_pico_usd INTEGER NOT NULL, platform_cost_pico_usd INTEGER NOT NULL);
CREATE TABLE prices (metric TEXT NOT NULL, model TEXT NOT NULL, pico_usd_per_unit INTEGER NOT NULL,
                     PRIMARY KEY (metric, model));
CREATE TABLE daily_usage (tenant TEXT NOT NULL, day TEXT NOT NULL, metric TEXT NOT NULL, quantity INTEGER NOT NULL,
                          PRIMARY KEY (tenant, day, metric));
CREATE TABLE users (tenant TEXT NOT NULL, tier TEXT NOT NULL, user TEXT NOT NULL, cost_pico_usd INTEGER NOT NULL,
                    revenue_pico_usd INTEGER NOT NULL, PRIMARY KEY (tenant, user));
CREATE TABLE consumption (tenant TEXT NOT NULL, tier TEXT NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL,
                          invocations INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
                          cost_pico_usd INTEGER NOT NULL, PRIMARY KEY (tenant, tier, agent, model));
)";

// One table's INSERT, prepared once, a row per put(): each value bound by its type (text, a whole
// number, or Money as its pico-dollars), so a row is one line at the call site.
class RowWriter {
 public:
  RowWriter(sqlite3* db, const char* table, int columns) {
    std::string sql = fmt::format("INSERT INTO {} VALUES (?", table);
    for (int i = 1; i < columns; ++i) sql += ",?";
    ok_ = sqlite3_prepare_v2(db, (sql + ")").c_str(), -1, &st_, nullptr) == SQLITE_OK;
  }
  ~RowWriter() { sqlite3_finalize(st_); }
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;

  template <class... V>
  bool put(const V&... values) {
    if (!ok_) return false;
    int i = 0;
    (bind(++i, values), ...);
    ok_ = sqlite3_step(st_) == SQLITE_DONE;
    sqlite3_reset(st_);
    return ok_;
  }

 private:
  void bind(int i, const std::string& v) { sqlite3_bind_text(st_, i, v.c_str(), -1, SQLITE_TRANSIENT); }
  void bind(int i, const char* v) { sqlite3_bind_text(st_, i, v, -1, SQLITE_TRANSIENT); }
  void bind(int i, Money v) { sqlite3_bind_int64(st_, i, v.pico); }
  template <class I>
    requires std::is_integral_v<I>
  void bind(int i, I v) {
    sqlite3_bind_int64(st_, i, static_cast<sqlite3_int64>(v));
  }

  sqlite3_stmt* st_ = nullptr;
  bool ok_ = false;
};

}  // namespace

struct ResultsDb::Impl {
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  std::string dir, tmp_path;
  int64_t seq = 0;
  bool failed = false;
  ~Impl() {
    if (insert) sqlite3_finalize(insert);
    if (db) sqlite3_close(db);
  }
  bool exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
};

ResultsDb::ResultsDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultsDb::~ResultsDb() {
  if (impl_ && !impl_->tmp_path.empty()) {
    const std::string tmp = impl_->tmp_path;
    impl_.reset();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);  // never finished: leave nothing behind
  }
}

Result<std::unique_ptr<ResultsDb>> ResultsDb::create(const std::string& dir) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->tmp_path = dir + "/.results.sqlite.tmp";
  std::error_code ec;
  std::filesystem::remove(impl->tmp_path, ec);
  if (sqlite3_open(impl->tmp_path.c_str(), &impl->db) != SQLITE_OK) return db_error(impl->db, "open " + impl->tmp_path);
  if (!impl->exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;") || !impl->exec(kSchema) || !impl->exec("BEGIN"))
    return db_error(impl->db, "create schema");
  if (sqlite3_prepare_v2(impl->db, "INSERT INTO requests VALUES (?,?,?,?,?,?,?)", -1, &impl->insert, nullptr) != SQLITE_OK)
    return db_error(impl->db, "prepare");
  return std::unique_ptr<ResultsDb>(new ResultsDb(std::move(impl)));
}

void ResultsDb::record(const RequestRow& row) {
  auto* s = impl_->insert;
  sqlite3_bind_int64(s, 1, ++impl_->seq);
  sqlite3_bind_int64(s, 2, row.t_us);
  sqlite3_bind_text(s, 3, row.tenant.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 4, row.tier.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 5, row.endpoint.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(s, 6, row.status);
  sqlite3_bind_int64(s, 7, row.latency_us);
  if (sqlite3_step(s) != SQLITE_DONE) impl_->failed = true;
  sqlite3_reset(s);
}

Status ResultsDb::finish(const RunResult& r, const std::string& report_json) {
  if (impl_->failed) return db_error(impl_->db, "insert request");
  sqlite3* db = impl_->db;
  const std::pair<const char*, std::string> run_rows[] = {{"schema_version", std::to_string(kReportSchemaVersion)},
                                                          {"scenario", r.scenario},
                                                          {"seed", std::to_string(r.seed)},
                                                          {"report_json", report_json}};
  {
    RowWriter run(db, "run", 2);
    for (const auto& [k, v] : run_rows)
      if (!run.put(k, v)) return db_error(db, "insert run");
  }
  {
    RowWriter prices(db, "prices", 3);
    for (const auto& p : r.prices)
      if (!prices.put(p.metric, p.model, p.per_unit)) return db_error(db, "insert prices");
  }
  {
    RowWriter users(db, "users", 5);
    for (const auto& u : r.users)
      if (!users.put(u.tenant, u.tier, u.user, u.cost, u.revenue)) return db_error(db, "insert users");
  }
  {
    RowWriter consumption(db, "consumption", 8);
    for (const auto& c : r.consumption)
      if (!consumption.put(c.tenant, c.tier, c.agent, c.model, c.invocations, c.input_tokens, c.output_tokens, c.cost))
        return db_error(db, "insert consumption");
  }
  {
    RowWriter daily(db, "daily", 5);
    for (const auto& d : r.daily)
      if (!daily.put(d.day, d.revenue, d.metered_cost, d.fixed_cost, d.platform_cost)) return db_error(db, "insert daily");
  }
  {
    RowWriter tenants(db, "tenants", 12), usage(db, "usage", 3), costs(db, "costs", 4);
    for (const auto& t : r.tenants) {
      if (!tenants.put(t.id, t.tier, t.deployment, t.utc_offset_minutes, t.users, t.chats_accepted, t.cost, t.revenue,
                       t.revenue_lines.subscription, t.revenue_lines.seats, t.revenue_lines.overage, t.time_zone))
        return db_error(db, "insert tenants");
      for (const auto& [metric, q] : t.quantities)
        if (!usage.put(t.id, metric, q)) return db_error(db, "insert usage");
      for (const auto& [service, m] : t.cost_by_service)
        if (!costs.put(t.id, t.tier, service, m)) return db_error(db, "insert costs");
    }
  }
  {
    RowWriter daily_costs(db, "daily_costs", 5);
    for (const auto& c : r.tenant_day_costs)
      if (!daily_costs.put(c.tenant, c.tier, c.day, c.service, c.cost)) return db_error(db, "insert daily_costs");
  }
  {
    RowWriter daily_usage(db, "daily_usage", 4);
    for (const auto& u : r.tenant_day_usage)
      if (!daily_usage.put(u.tenant, u.day, u.metric, u.quantity)) return db_error(db, "insert daily_usage");
  }
  if (!impl_->exec("COMMIT")) return db_error(db, "commit");
  sqlite3_finalize(impl_->insert);
  impl_->insert = nullptr;
  sqlite3_close(db);
  impl_->db = nullptr;
  std::error_code ec;
  std::filesystem::rename(impl_->tmp_path, impl_->dir + "/results.sqlite", ec);
  if (ec) return Error::make(ErrorKind::kUnavailable, "ResultsDb", "rename results.sqlite: " + ec.message());
  impl_->tmp_path.clear();
  return Status{};
}

Result<std::string> ResultsDb::read_report_json(const std::string& dir) {
  const std::string path = dir + "/results.sqlite";
  if (!std::filesystem::exists(path))
    return Error::make(ErrorKind::kBadRequest, "NoResults", path + " does not exist (run `tenantsim run ... --out " + dir + "` first)");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    Error e = db_error(db, "open " + path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_stmt* st = nullptr;
  std::string out;
  bool found = false;
  if (sqlite3_prepare_v2(db, "SELECT value FROM run WHERE key = 'report_json'", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    found = true;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (!found) return Error::make(ErrorKind::kBadRequest, "NoResults", path + " has no report (not a tenantsim results file?)");
  return out;
}

}  // namespace tenantsim
