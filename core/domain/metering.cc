#include "core/domain/metering.h"

#include <fmt/format.h>

#include <stdexcept>

namespace tenantsim {

Item UsageRecord::to_item() const {
  const std::string ts = to_iso8601(timestamp);
  return Item{{"tenant_id", tenant_id},
              {"sk", fmt::format("u#{}#{}#{}#{}", ts, request_id, metric_type, seq)},
              {"timestamp", ts},
              {"user_id", user_id},
              {"session_id", session_id},
              {"request_id", request_id},
              {"metric_type", metric_type},
              {"value", value},
              {"model_id", model_id}};
}

std::optional<UsageRecord> UsageRecord::from_item(const Item& item) {
  UsageRecord r;
  const auto* tenant = get_string(item, "tenant_id");
  const auto* metric = get_string(item, "metric_type");
  const auto* ts = get_string(item, "timestamp");
  const auto value = get_number(item, "value");
  if (!tenant || !metric || !ts || !value || !parse_iso8601(*ts, r.timestamp)) return std::nullopt;
  r.tenant_id = *tenant;
  r.metric_type = *metric;
  r.value = *value;
  if (const auto* s = get_string(item, "user_id")) r.user_id = *s;
  if (const auto* s = get_string(item, "session_id")) r.session_id = *s;
  if (const auto* s = get_string(item, "request_id")) r.request_id = *s;
  if (const auto* s = get_string(item, "model_id")) r.model_id = *s;
  return r;
}

std::string usage_aggregate_key(const std::string& day, const std::string& user_id) {
  return fmt::format("a#{}#{}", day, user_id);
}

namespace {

// An aggregate's quantity attributes are "q#{metric}#{model}" (model ids hold no '#'); "n" counts
// the records it sums.
constexpr std::string_view kQuantityPrefix = "q#";

std::string quantity_attribute(const UsageRecord& r) { return fmt::format("q#{}#{}", r.metric_type, r.model_id); }

// The aggregates' updates of a batch, one per (day, user), in key order; each names an attribute
// once (DynamoDB refuses an update whose paths overlap).
std::map<std::string, Update> aggregate_updates(const std::vector<UsageRecord>& batch, const TimeZone& zone) {
  struct Sums {
    std::string day, user_id;
    std::map<std::string, int64_t> quantities;  // "n" and "q#{metric}#{model}"
  };
  std::map<std::string, Sums> sums;
  for (const auto& r : batch) {
    std::string day = day_key(r.timestamp, zone);
    auto& s = sums[usage_aggregate_key(day, r.user_id)];
    s.day = std::move(day);
    s.user_id = r.user_id;
    ++s.quantities["n"];
    s.quantities[quantity_attribute(r)] += r.value;
  }
  std::map<std::string, Update> updates;
  for (auto& [sk, s] : sums) {
    auto& u = updates[sk];
    u.set("day", s.day).set("user_id", s.user_id);
    for (const auto& [name, q] : s.quantities) u.add(name, q);
  }
  return updates;
}

// A batch sent again after it was applied (its answer lost, say) cancels on its records' conditions:
// it is written.
bool already_written(const Error& e) {
  return e.is(ServiceError::kTransactionCanceled) && e.message.find("ConditionalCheckFailed") != std::string::npos;
}

bool transient(const Error& e) {
  return e.kind == ErrorKind::kUnavailable || e.kind == ErrorKind::kTooManyRequests ||
         (e.is(ServiceError::kTransactionCanceled) && e.message.find("TransactionConflict") != std::string::npos);
}

// Up to 3 attempts: only transient failures are worth another right away.
Task<bool> commit(Table& table, const std::vector<TransactItem>& actions) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto st = co_await table.transact_write(actions);
    if (st.ok() || already_written(st.error())) co_return true;
    if (!transient(st.error())) break;
  }
  co_return false;
}

}  // namespace

Task<bool> Metering::write(const Batch& batch) {
  auto usage = tables_.usage_of(batch.front().tenant_id);
  if (!usage.ok()) co_return false;
  Table& table = *usage->table;
  std::vector<TransactItem> actions;
  for (const auto& r : batch) {
    TransactItem put;
    put.item = r.to_item();
    put.condition = Condition::not_exists("sk");
    actions.push_back(std::move(put));
  }
  auto updates = aggregate_updates(batch, usage->zone);
  if (defects_.on(Defect::kUsageAggregateOutsideTransaction)) {
    // The records first, then each aggregate on its own, once: a failed update is lost.
    const bool records_written = co_await commit(table, actions);
    if (!records_written) co_return false;
    for (auto it = updates.begin(); it != updates.end(); ++it) {
      Key key{batch.front().tenant_id, it->first};
      auto updated = co_await table.update_item(std::move(key), std::move(it->second));  // a named local (GCC 12)
      (void)updated;
    }
    co_return true;
  }
  for (auto it = updates.begin(); it != updates.end(); ++it) {
    TransactItem add;
    add.kind = TransactItem::Kind::kUpdate;
    add.key = Key{batch.front().tenant_id, it->first};
    add.update = std::move(it->second);
    actions.push_back(std::move(add));
  }
  co_return co_await commit(table, actions);
}

Task<void> Metering::write_or_keep(Batch batch) {
  const bool written = co_await write(batch);
  if (!written) {
    std::lock_guard lock(mu_);
    outbox_.push_back(std::move(batch));
  }
}

Task<void> Metering::record(std::vector<UsageRecord> records) {
  // One batch per tenant (records of one request name one tenant, unless a defect moves them) and
  // at most kRecordsPerTransaction records.
  std::vector<Batch> batches;
  std::map<std::string, size_t> open;  // tenant -> its batch being filled
  for (auto& r : records) {
    if (defects_.on(Defect::kOutputTokensNotMetered) && r.metric_type == metric::kOutputTokens) continue;
    auto it = open.find(r.tenant_id);
    if (it == open.end() || batches[it->second].size() == kRecordsPerTransaction) {
      batches.emplace_back();
      it = open.insert_or_assign(r.tenant_id, batches.size() - 1).first;
    }
    batches[it->second].push_back(std::move(r));
  }
  for (auto& batch : batches) co_await write_or_keep(std::move(batch));
}

Task<size_t> Metering::flush() {
  std::deque<Batch> batches;
  {
    std::lock_guard lock(mu_);
    batches.swap(outbox_);
  }
  for (auto& batch : batches) co_await write_or_keep(std::move(batch));
  co_return pending();
}

size_t Metering::pending() const {
  std::lock_guard lock(mu_);
  size_t records = 0;
  for (const auto& batch : outbox_) records += batch.size();
  return records;
}

namespace {

void add_quantity(int64_t& sum, int64_t v) {
  if (__builtin_add_overflow(sum, v, &sum)) throw std::overflow_error("a usage quantity overflows int64");
}

// A quantity of one metric and model, used by `user` on local `day` over `records` records, into the
// summary. Sums past what int64 pico-dollars hold (about 9.2 million dollars in one figure) or int64
// quantities are an error the caller gets, never a wrap and never an exception out of the port:
// usage is data, and a corrupt item must not end the process.
Status add_usage(CostSummary& s, const std::string& tenant_id, const std::string& user, const std::string& day,
                 const std::string& metric_type, const std::string& model_id, int64_t quantity, int64_t records,
                 const PriceCatalog& prices) {
  try {
    const Money c = prices.cost(metric_type, model_id, quantity);
    const std::string service = metric::service_of(metric_type);
    s.total += c;
    s.by_service[service] += c;
    s.by_user[user] += c;
    s.by_user_service[user][service] += c;
    s.by_day[day] += c;
    s.by_service_day[service][day] += c;
    add_quantity(s.quantity_by_day[day][metric_type], quantity);
    auto& line = s.lines[{metric_type, model_id}];
    line.metric_type = metric_type;
    line.model_id = model_id;
    add_quantity(line.quantity, quantity);
    add_quantity(s.quantity_by_user[user][{metric_type, model_id}], quantity);
    line.cost += c;
    add_quantity(s.records, records);
    return Status{};
  } catch (const std::overflow_error& e) {
    return Error::make(ErrorKind::kInternal, "CostOverflow",
                       fmt::format("usage of tenant {} cannot be summed: {}", tenant_id, e.what()));
  }
}

// Pages through a query of one tenant's partition, handing each item to `add`.
template <class Add>
Task<Status> for_each_item(Table& usage, QueryRequest q, Add add) {
  for (;;) {
    auto page = co_await usage.query(q);
    if (!page.ok()) co_return page.take_error();
    for (const auto& item : page->items) CO_CHECK(add(item));
    if (!page->last_evaluated_key) co_return Status{};
    q.exclusive_start_key = page->last_evaluated_key;
  }
}

// The records in [from, to), or all of them.
Task<Status> add_records(CostSummary& s, Table& usage, const std::string& tenant_id, std::optional<Period> period,
                         const PriceCatalog& prices, const TimeZone& zone) {
  QueryRequest q;
  q.partition = tenant_id;
  // Sort keys are "u#{ISO time}#...": a record at `from` sorts after "u#{from}", one at `to` after
  // "u#{to}", so the inclusive BETWEEN of the two takes exactly [from, to).
  q.sort = period ? SortKeyCondition{SortKeyCondition::Op::kBetween, "u#" + to_iso8601(period->from),
                                     "u#" + to_iso8601(period->to)}
                  : SortKeyCondition{SortKeyCondition::Op::kBeginsWith, "u#", ""};
  co_return co_await for_each_item(usage, std::move(q), [&](const Item& item) -> Status {
    const auto r = UsageRecord::from_item(item);
    if (!r) return Status{};
    return add_usage(s, tenant_id, r->user_id, day_key(r->timestamp, zone), r->metric_type, r->model_id, r->value, 1,
                     prices);
  });
}

// The aggregates of local days first_day..last_day ("YYYY-MM-DD", inclusive), or of all days.
Task<Status> add_aggregates(CostSummary& s, Table& usage, const std::string& tenant_id,
                            std::optional<std::pair<std::string, std::string>> days, const PriceCatalog& prices) {
  QueryRequest q;
  q.partition = tenant_id;
  // "a#{day}#{user}": '$' sorts after '#', so "a#{last}$" bounds the last day's users.
  q.sort = days ? SortKeyCondition{SortKeyCondition::Op::kBetween, "a#" + days->first, "a#" + days->second + "$"}
                : SortKeyCondition{SortKeyCondition::Op::kBeginsWith, "a#", ""};
  co_return co_await for_each_item(usage, std::move(q), [&](const Item& item) -> Status {
    const auto* day = get_string(item, "day");
    const auto* user = get_string(item, "user_id");
    const auto n = get_number(item, "n");
    if (!day || !user || !n) return Status{};
    // The record count goes with the item's first quantity: an aggregate holds at least one.
    int64_t records = *n;
    for (const auto& [name, value] : item) {
      if (!name.starts_with(kQuantityPrefix)) continue;
      const auto* quantity = std::get_if<int64_t>(&value);
      const auto hash = name.find('#', kQuantityPrefix.size());
      if (!quantity || hash == std::string::npos) continue;
      const std::string metric_type = name.substr(kQuantityPrefix.size(), hash - kQuantityPrefix.size());
      auto added = add_usage(s, tenant_id, *user, *day, metric_type, name.substr(hash + 1), *quantity, records, prices);
      if (!added.ok()) return added;
      records = 0;
    }
    return Status{};
  });
}

}  // namespace

Task<Result<CostSummary>> summarize_records(Table& usage, std::string tenant_id, std::optional<Period> period,
                                            const PriceCatalog& prices, const TimeZone& zone) {
  CostSummary s;
  CO_CHECK(co_await add_records(s, usage, tenant_id, period, prices, zone));
  co_return s;
}

Task<Result<CostSummary>> summarize_usage(Table& usage, std::string tenant_id, std::optional<Period> period,
                                          const PriceCatalog& prices, const TimeZone& zone) {
  CostSummary s;
  if (!period) {
    CO_CHECK(co_await add_aggregates(s, usage, tenant_id, std::nullopt, prices));
    co_return s;
  }
  // The whole local days inside the period: from the first day start at or after `from` to the
  // last day start at or before `to`.
  const Time first = day_start(period->from, zone) == period->from ? period->from : next_day_start(period->from, zone);
  const Time last = day_start(period->to, zone);
  if (first >= last) {
    CO_CHECK(co_await add_records(s, usage, tenant_id, period, prices, zone));
    co_return s;
  }
  if (period->from < first) CO_CHECK(co_await add_records(s, usage, tenant_id, Period{period->from, first}, prices, zone));
  CO_CHECK(co_await add_aggregates(s, usage, tenant_id,
                                   std::pair{day_key(first, zone), day_key(last - Duration(1), zone)}, prices));
  if (last < period->to) CO_CHECK(co_await add_records(s, usage, tenant_id, Period{last, period->to}, prices, zone));
  co_return s;
}

}  // namespace tenantsim
