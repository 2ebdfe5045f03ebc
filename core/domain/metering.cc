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

Task<bool> Metering::write(UsageRecord r, std::map<std::string, std::shared_ptr<Table>>* opened) {
  // One handle per tenant per batch: opening is a directory lookup and an allocation.
  auto handle = opened->find(r.tenant_id);
  if (handle == opened->end()) {
    auto table = tables_.usage_table_for(r.tenant_id);
    if (!table.ok()) co_return false;
    handle = opened->emplace(r.tenant_id, std::move(table).value()).first;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    Item item = r.to_item();
    auto st = co_await handle->second->put_item(std::move(item));
    if (st.ok()) co_return true;
    // Only transient failures are worth another attempt right away.
    if (st.error().kind != ErrorKind::kUnavailable && st.error().kind != ErrorKind::kTooManyRequests) break;
  }
  co_return false;
}

Task<void> Metering::record(std::vector<UsageRecord> records) {
  std::map<std::string, std::shared_ptr<Table>> opened;
  for (auto& r : records) {
    if (defects_.on(Defect::kOutputTokensNotMetered) && r.metric_type == metric::kOutputTokens) continue;
    const bool ok = co_await write(r, &opened);
    if (!ok) {
      std::lock_guard lock(mu_);
      outbox_.push_back(std::move(r));
    }
  }
}

Task<size_t> Metering::flush() {
  std::deque<UsageRecord> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(outbox_);
  }
  std::map<std::string, std::shared_ptr<Table>> opened;
  for (auto& r : batch) {
    const bool ok = co_await write(r, &opened);
    if (!ok) {
      std::lock_guard lock(mu_);
      outbox_.push_back(std::move(r));
    }
  }
  co_return pending();
}

size_t Metering::pending() const {
  std::lock_guard lock(mu_);
  return outbox_.size();
}

namespace {

void add_quantity(int64_t& sum, int64_t v) {
  if (__builtin_add_overflow(sum, v, &sum)) throw std::overflow_error("a usage quantity overflows int64");
}

// One record into the summary. Sums past what int64 pico-dollars hold (about 9.2 million dollars in
// one figure) or int64 quantities are an error the caller gets, never a wrap and never an exception
// out of the port: usage records are data, and a corrupt one must not end the process.
Status add_record(CostSummary& s, const UsageRecord& r, const PriceCatalog& prices, const TimeZone& zone) {
  try {
    const Money c = prices.cost(r.metric_type, r.model_id, r.value);
    const std::string service = metric::service_of(r.metric_type);
    const std::string day = day_key(r.timestamp, zone);
    s.total += c;
    s.by_service[service] += c;
    s.by_user[r.user_id] += c;
    s.by_user_service[r.user_id][service] += c;
    s.by_day[day] += c;
    s.by_service_day[service][day] += c;
    add_quantity(s.quantity_by_day[day][r.metric_type], r.value);
    auto& line = s.lines[{r.metric_type, r.model_id}];
    line.metric_type = r.metric_type;
    line.model_id = r.model_id;
    add_quantity(line.quantity, r.value);
    add_quantity(s.quantity_by_user[r.user_id][{r.metric_type, r.model_id}], r.value);
    line.cost += c;
    ++s.records;
    return Status{};
  } catch (const std::overflow_error& e) {
    return Error::make(ErrorKind::kInternal, "CostOverflow",
                       fmt::format("usage of tenant {} cannot be summed: {}", r.tenant_id, e.what()));
  }
}

}  // namespace

Task<Result<CostSummary>> summarize_costs(Table& usage, std::string tenant_id, std::optional<Period> period,
                                          const PriceCatalog& prices, const TimeZone& zone) {
  CostSummary s;
  QueryRequest q;
  q.partition = tenant_id;
  // Sort keys are "u#{ISO time}#...": a record at `from` sorts after "u#{from}", one at `to` after
  // "u#{to}", so the inclusive BETWEEN of the two takes exactly [from, to).
  q.sort = period ? SortKeyCondition{SortKeyCondition::Op::kBetween, "u#" + to_iso8601(period->from),
                                     "u#" + to_iso8601(period->to)}
                  : SortKeyCondition{SortKeyCondition::Op::kBeginsWith, "u#", ""};
  for (;;) {
    auto page = co_await usage.query(q);
    if (!page.ok()) co_return page.take_error();
    for (const auto& item : page->items) {
      auto r = UsageRecord::from_item(item);
      if (!r) continue;
      CO_CHECK(add_record(s, *r, prices, zone));
    }
    if (!page->last_evaluated_key) break;
    q.exclusive_start_key = page->last_evaluated_key;
  }
  co_return s;
}

}  // namespace tenantsim
