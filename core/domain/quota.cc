#include "core/domain/quota.h"

#include <fmt/format.h>

namespace tenantsim {

namespace {
// Retry-After is when the refused message could first succeed: the reset of the full window that
// resets last (a day's reset does not help while the month is also full).
Error limit_error(bool daily, Time now, const Tenant& t, Time edge) {
  Error e = Error::make(ErrorKind::kTooManyRequests, daily ? "DailyLimitExceeded" : "MonthlyLimitExceeded",
                        fmt::format("{} message limit of tenant {} reached", daily ? "Daily" : "Monthly", t.id));
  e.retry_after = std::chrono::ceil<std::chrono::seconds>(edge - now);
  return e;
}
}  // namespace

Time QuotaManager::window_end(bool daily, Time now, const Tenant& tenant) const {
  const TimeZone off = defects_.on(Defect::kRetryAfterUtc) ? TimeZone{} : zone(tenant);
  return daily ? next_day_start(now, off) : next_month_start(now, off);
}

TimeZone QuotaManager::zone(const Tenant& tenant) const {
  if (defects_.on(Defect::kWindowResetLocalTime)) return TimeZone{};
  // The zone's offset on 1 January of this year, all year: daylight saving never applies.
  if (defects_.on(Defect::kDstIgnored) && tenant.zone.is_named()) {
    using namespace std::chrono;
    const Time january{sys_days{year_month_day{floor<days>(clock_.now())}.year() / 1 / 1}};
    return TimeZone::fixed(static_cast<int>(duration_cast<minutes>(tenant.zone.offset_at(january)).count()));
  }
  return tenant.zone;
}

std::vector<QuotaManager::Window> QuotaManager::windows(const Tenant& tenant, const TierPolicy& tier,
                                                        const std::string& user_id, Time now) const {
  const TimeZone off = zone(tenant);
  const std::string day = day_key(now, off);
  const std::string month = defects_.on(Defect::kMonthlyResetNeverFires) ? std::string("all") : month_key(now, off);
  bool per_user = tier.message_limit_scope == LimitScope::kUser;
  if (defects_.on(Defect::kLimitScopeSwapped)) per_user = !per_user;
  const std::string scope = per_user ? "u#" + user_id : std::string("t");
  std::vector<Window> out;
  if (tier.daily_messages > 0) out.push_back({Key{tenant.id, "q#d#" + scope + "#" + day}, tier.daily_messages, true});
  if (tier.monthly_messages > 0)
    out.push_back({Key{tenant.id, "q#m#" + scope + "#" + month}, tier.monthly_messages, false});
  if (per_user && tier.tenant_daily_messages > 0)
    out.push_back({Key{tenant.id, "q#d#t#" + day}, tier.tenant_daily_messages, true, true});
  if (per_user && tier.tenant_monthly_messages > 0)
    out.push_back({Key{tenant.id, "q#m#t#" + month}, tier.tenant_monthly_messages, false, true});
  return out;
}

Task<Result<MessageReservation>> QuotaManager::reserve_message(Table& usage, const Tenant& tenant,
                                                               const TierPolicy& tier, std::string user_id) {
  const Time now = clock_.now();
  const auto ws = windows(tenant, tier, user_id, now);
  MessageReservation r;
  if (ws.empty()) co_return r;
  const int64_t slack = defects_.on(Defect::kDailyLimitOffByOne) ? 1 : 0;

  if (defects_.on(Defect::kReadThenWriteCounter)) {
    // The defect: check, then write, with a gap in which other requests pass the same check.
    for (const auto& w : ws) {
      auto item = co_await usage.get_item(w.key);
      if (!item.ok()) co_return item.take_error();
      const int64_t count = item.value() ? get_number(**item, "count").value_or(0) : 0;
      if (count >= w.limit + (w.daily ? slack : 0))
        co_return limit_error(w.daily, now, tenant, window_end(w.daily, now, tenant));
    }
    for (const auto& w : ws) {
      Update add;
      add.add("count", 1);
      auto st = co_await usage.update_item(w.key, std::move(add));
      if (!st.ok()) co_return st.take_error();
      r.counters.push_back(w.key);
    }
    co_return r;
  }

  std::vector<TransactItem> tx;
  for (const auto& w : ws) {
    TransactItem t;
    t.kind = TransactItem::Kind::kUpdate;
    t.key = w.key;
    t.update.add("count", 1);
    t.condition = Condition::not_exists("count") || Condition::lt("count", w.limit + (w.daily ? slack : 0));
    tx.push_back(std::move(t));
    r.counters.push_back(w.key);
  }
  auto st = co_await usage.transact_write(std::move(tx));
  if (st.ok()) co_return r;
  if (!st.error().is(ServiceError::kTransactionCanceled)) co_return st.take_error();
  // Cancelled: find which windows are full, to say which limit and when the message could pass.
  // A window whose counter cannot be read (after retries) is taken as full: a Retry-After that is
  // too late costs the client a wait, one that is too early costs it another refusal.
  bool any_full = false, full_daily = true;
  Time latest{};
  for (const auto& w : ws) {
    Result<std::optional<Item>> item = std::optional<Item>{};
    for (int attempt = 0; attempt < 3; ++attempt) {
      item = co_await usage.get_item(w.key);
      if (item.ok()) break;
    }
    if (item.ok() && (!item.value() || get_number(**item, "count").value_or(0) < w.limit)) continue;
    const Time edge = window_end(w.daily, now, tenant);
    if (!any_full || edge > latest) {
      latest = edge;
      full_daily = w.daily;
    }
    any_full = true;
  }
  if (any_full) co_return limit_error(full_daily, now, tenant, latest);
  // Raced with a window edge: daily is the safe answer.
  co_return limit_error(true, now, tenant, window_end(true, now, tenant));
}

Task<void> QuotaManager::release(Table& usage, MessageReservation reservation) {
  for (auto& key : reservation.counters) {
    Update give_back;
    give_back.add("count", -1);
    Condition positive = Condition::gt("count", int64_t{0});
    (void)co_await usage.update_item(std::move(key), std::move(give_back), std::move(positive));
  }
}

Task<Result<int>> QuotaManager::acquire_session_slot(Table& usage, const Tenant& tenant, const TierPolicy& tier,
                                                     std::string user_id, std::string session_id, Time expires_at) {
  if (defects_.on(Defect::kConcurrentSessionsIgnored)) co_return -1;
  const int64_t now = clock_.now().time_since_epoch().count();
  for (int slot = 0; slot < tier.concurrent_sessions; ++slot) {
    // A slot is free when nobody holds it or its holder's session has expired.
    Key key{tenant.id, fmt::format("q#slot#{}#{:03d}", user_id, slot)};
    Update lease;
    lease.set("session_id", session_id).set("expires_at", expires_at.time_since_epoch().count());
    Condition free = Condition::not_exists("session_id") || Condition::le("expires_at", now);
    auto st = co_await usage.update_item(std::move(key), std::move(lease), std::move(free));
    if (st.ok()) co_return slot;
    if (!st.error().is(ServiceError::kConditionalCheckFailed)) co_return st.take_error();
  }
  co_return Error::make(ErrorKind::kTooManyRequests, "ConcurrentSessionLimitExceeded",
                        fmt::format("at most {} concurrent sessions on the {} tier", tier.concurrent_sessions, tier.name));
}

Task<Status> QuotaManager::release_session_slot(Table& usage, const Tenant& tenant, std::string user_id,
                                                std::string session_id, int slot) {
  if (slot < 0) co_return Status{};
  // A lost release is not harmless: the user is refused sessions they are entitled to until the
  // lease runs out (hours on the premium tier). So transient failures get the same three attempts
  // as a usage record, and what still fails is reported to the caller instead of swallowed.
  Status st;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Key key{tenant.id, fmt::format("q#slot#{}#{:03d}", user_id, slot)};
    Condition holder = Condition::eq("session_id", session_id);
    st = co_await usage.delete_item(std::move(key), std::move(holder));
    if (st.ok() || st.error().is(ServiceError::kConditionalCheckFailed)) co_return Status{};
    if (st.error().kind != ErrorKind::kUnavailable && st.error().kind != ErrorKind::kTooManyRequests) break;
  }
  co_return st;
}

Task<Result<UsageCounts>> QuotaManager::counts(Table& usage, const Tenant& tenant, const TierPolicy& tier,
                                               std::string user_id) {
  const Time now = clock_.now();
  UsageCounts c;
  const TimeZone calendar = zone(tenant);
  c.day = day_key(now, calendar);
  c.month = month_key(now, calendar);
  for (const auto& w : windows(tenant, tier, user_id, now)) {
    if (w.tenant_cap) continue;  // counts are for the scope the tier limits
    auto item = co_await usage.get_item(w.key);
    if (!item.ok()) co_return item.take_error();
    const int64_t n = item.value() ? get_number(**item, "count").value_or(0) : 0;
    (w.daily ? c.daily_messages : c.monthly_messages) = n;
  }
  co_return c;
}

}  // namespace tenantsim
