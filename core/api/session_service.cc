#include "core/api/session_service.h"

#include <fmt/format.h>

#include "core/api/request_fields.h"
#include "core/domain/session_key.h"

namespace tenantsim {

Task<Result<Json>> SessionService::create(std::string token) {
  CO_TRY(Caller c, co_await auth_.caller(std::move(token)));
  CO_TRY(auto sessions, tables_.sessions(c.tenant));
  CO_TRY(auto usage, tables_.usage(c.tenant));
  const Time now = clock_.now();
  const Duration duration = defects_.on(Defect::kSessionDurationHardcoded) ? Duration{std::chrono::minutes(30)}
                                                                            : Duration{c.tier->session_duration};
  const Time expires = now + duration;
  const std::string sid = ids_.uuid();
  CO_TRY(int slot, co_await quotas_.acquire_session_slot(*usage, c.tenant, *c.tier, c.principal.sub, sid, expires));
  const std::string key = session_key(c.tenant.id, c.principal.sub, sid);
  Item session{{"tenant_id", c.tenant.id}, {"session_key", key}, {"session_id", sid}, {"user_id", c.principal.sub},
               {"subscription_tier", c.tier->name}, {"created_at", to_iso8601(now)}, {"last_activity", to_iso8601(now)},
               {"expires_at", expires.time_since_epoch().count()}, {"message_count", int64_t{0}},
               {"slot", int64_t{slot}}, {"status", std::string("active")}};
  Condition fresh = Condition::not_exists("session_key");
  auto st = co_await sessions->put_item(std::move(session), std::move(fresh));
  if (!st.ok()) {
    // If this release fails too, the slot stays leased until it expires; the caller sees the
    // failure, and a failed create is one a client must assume may hold a slot.
    (void)co_await quotas_.release_session_slot(*usage, c.tenant, c.principal.sub, sid, slot);
    co_return st.take_error();
  }
  co_return Json{{"tenant_id", c.tenant.id}, {"user_id", c.principal.sub}, {"session_id", sid},
                 {"subscription_tier", c.tier->name}, {"created_at", to_iso8601(now)}, {"expires_at", to_iso8601(expires)}};
}

Task<Result<Json>> SessionService::close(std::string token, std::string session_id) {
  CO_TRY(Caller c, co_await auth_.caller(std::move(token)));
  CO_TRY(auto sessions, tables_.sessions(c.tenant));
  CO_TRY(auto usage, tables_.usage(c.tenant));
  const std::string key = session_key(c.tenant.id, c.principal.sub, session_id);
  Key skey{c.tenant.id, key};
  CO_TRY(std::optional<Item> item, co_await sessions->get_item(skey));
  if (!item) co_return Error::make(ErrorKind::kNotFound, "SessionNotFound", "Session not found");
  Update close;
  close.set("status", std::string("closed"));
  CO_CHECK(co_await sessions->update_item(skey, std::move(close)));
  // Closed first, slot second: a session that is closed but still holds its slot only under-grants,
  // while a freed slot under a still-active session would let the user exceed the limit. A close
  // whose release failed answers 503, and closing again (idempotent) finishes the job.
  const int slot = static_cast<int>(get_number(*item, "slot").value_or(-1));
  auto released = co_await quotas_.release_session_slot(*usage, c.tenant, c.principal.sub, session_id, slot);
  if (!released.ok())
    co_return Error::make(ErrorKind::kUnavailable, "SessionSlotNotReleased",
                          fmt::format("session {} is closed but its concurrent-session slot could not be freed ({}); "
                                      "close it again",
                                      session_id, released.error().name));
  co_return Json{{"session_id", session_id}, {"status", "closed"}};
}

Task<Result<Json>> SessionService::list(std::string token, std::string tenant_id) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  CO_TRY(Json list, co_await visible_to(c));
  co_return Json{{"tenant_id", c.tenant.id}, {"sessions", std::move(list)}};
}

Task<Result<Json>> SessionService::visible_to(const Caller& c, bool own_only) {
  CO_TRY(auto sessions, tables_.sessions(c.tenant));
  const bool admin = c.principal.is_admin_of(c.tenant.id) && !own_only;
  QueryRequest q;
  q.partition = c.tenant.id;
  // The caller's own sessions are one key range (the key leads with tenant and user), so reading
  // them costs what the caller has, not what the whole tenant has.
  std::string prefix = own_only ? session_key(c.tenant.id, c.principal.sub, "") : c.tenant.id + "-";
  q.sort = SortKeyCondition{SortKeyCondition::Op::kBeginsWith, std::move(prefix), ""};
  Json list = Json::array();
  for (;;) {
    CO_TRY(QueryPage page, co_await sessions->query(q));
    for (const auto& item : page.items) {
      const auto* user = get_string(item, "user_id");
      if (!user || (!admin && *user != c.principal.sub)) continue;  // users see their own sessions
      list.push_back({{"session_id", *get_string(item, "session_id")}, {"user_id", *user},
                      {"subscription_tier", *get_string(item, "subscription_tier")},
                      {"created_at", *get_string(item, "created_at")},
                      {"message_count", get_number(item, "message_count").value_or(0)},
                      {"status", *get_string(item, "status")}});
    }
    if (!page.last_evaluated_key) break;
    q.exclusive_start_key = page.last_evaluated_key;
  }
  co_return list;
}

}  // namespace tenantsim
