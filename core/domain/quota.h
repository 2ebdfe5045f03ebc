// Quotas: daily and monthly message limits (per user or per tenant, by tier) and concurrent
// session slots. Enforcement is atomic in the table, never read-then-write in the process: a
// message takes its units with one transaction of conditional ADDs on the window counters, so any
// number of concurrent requests accept exactly the limit. Counters live in the tenant's own usage
// partition ("q#..." sort keys), so quota state is isolated like everything else.
#pragma once

#include <string>
#include <vector>

#include "core/base/defects.h"
#include "core/domain/catalogs.h"
#include "core/domain/tenants.h"
#include "core/ports/clock.h"
#include "core/ports/table.h"

namespace tenantsim {

// The counters one accepted message took, to give back if the request fails before the model answers.
struct MessageReservation {
  std::vector<Key> counters;
};

struct UsageCounts {
  int64_t daily_messages = 0;
  int64_t monthly_messages = 0;
  std::string day;    // "2024-01-31" in the tenant's offset
  std::string month;  // "2024-01"
};

class QuotaManager {
 public:
  QuotaManager(Clock& clock, const DefectSet& defects) : clock_(clock), defects_(defects) {}

  // Takes one message from every window that applies, or none: kTooManyRequests
  // "DailyLimitExceeded"/"MonthlyLimitExceeded" with retry_after = time to the window's edge.
  Task<Result<MessageReservation>> reserve_message(Table& usage, const Tenant& tenant, const TierPolicy& tier,
                                                   std::string user_id);
  // Gives a reservation back (best effort: a failure leaves the message counted, never over-grants).
  Task<void> release(Table& usage, MessageReservation reservation);

  // Leases one of the user's concurrent-session slots until `expires_at`; kTooManyRequests
  // "ConcurrentSessionLimitExceeded" when all are held by unexpired sessions. Returns the slot index.
  Task<Result<int>> acquire_session_slot(Table& usage, const Tenant& tenant, const TierPolicy& tier,
                                         std::string user_id, std::string session_id, Time expires_at);
  // Frees the slot if `session_id` still holds it (a slot already freed, expired or leased to another
  // session is left alone and counts as success). Transient table errors are retried; an error
  // means the slot may still be held until its lease expires, and the caller must say so.
  Task<Status> release_session_slot(Table& usage, const Tenant& tenant, std::string user_id, std::string session_id,
                                    int slot);

  // Current counts for the scope the tier limits (user or tenant).
  Task<Result<UsageCounts>> counts(Table& usage, const Tenant& tenant, const TierPolicy& tier, std::string user_id);

 private:
  struct Window {
    Key key;
    int64_t limit;
    bool daily;
    bool tenant_cap = false;  // the optional cap over all users, on top of the per-user window
  };
  std::vector<Window> windows(const Tenant& tenant, const TierPolicy& tier, const std::string& user_id, Time now) const;
  // When the daily or monthly window containing `now` ends, in the tenant's time zone.
  Time window_end(bool daily, Time now, const Tenant& tenant) const;
  // The calendar the tenant's windows count in (a defect may get it wrong).
  TimeZone zone(const Tenant& tenant) const;

  Clock& clock_;
  const DefectSet& defects_;
};

}  // namespace tenantsim
