// Population: the tenants and users a scenario asks for, drawn from its seed before anything runs:
// ids (prefix pairs first: `acme3` and `acme3-corp`, the leading-key pitfall), tiers by the mix,
// time zones, which tenants run an adversary and whom it attacks, the users (names, the heavy ones,
// who calls with an access token) and each user's own random stream. The simulation then onboards
// it through the system's public API and fills in what only the system knows (user ids, tokens).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/base/rng.h"
#include "core/base/time.h"
#include "core/domain/catalogs.h"
#include "core/domain/revenue.h"
#include "scenarios/scenario.h"

namespace tenantsim {

// The local hour a session starts in, for `unit` uniform in [0, 1): hours are drawn in proportion
// to a day curve (quiet nights, busy office hours); diurnal_weight(h) is hour h's weight.
int diurnal_hour(double unit);
double diurnal_weight(int hour);

struct SimUser {
  std::string username, password, sub, token;  // password, sub and token: from onboarding
  Time token_at{};
  bool admin = false;
  bool heavy = false;  // sends until the daily limit refuses, at the edge of the local day
  bool access_token = false;  // calls the API with its access token (others use the ID token)
  int chats_in_flight = 0;     // its chats sent and not yet answered
  int64_t chats_sent = 0;
  Rng rng{0};          // this user's own stream: what it does depends on the seed and its name only
};

struct SimTenant {
  std::string id, tier, deployment;
  std::string runtime;    // the agent runtime that serves it (from onboarding)
  int offset = 0;         // its fixed UTC offset, when it has no named zone
  std::string time_zone;  // its IANA zone, or ""
  TimeZone zone;          // the calendar its days count in (either of the two)
  std::vector<SimUser> users;  // users[0] registers the tenant and is its admin
  bool adversary = false;
  std::string victim;  // the tenant its adversary attacks
  int64_t requests = 0, chats_accepted = 0;
  int64_t refused_limit = 0, throttled = 0, failed = 0;  // of ordinary users' requests, by refusal kind
  int tier_changes = 0;  // billing changes applied during the run (`tier` stays the one it started on)
  std::vector<std::pair<Time, std::string>> tier_history;  // (when, new tier) of each change, in order
  // Accepted chats per (UTC day, tier billed at the time): what overage revenue is counted from.
  MessagesByDayTier messages;
  const std::string& billed_tier() const { return tier_history.empty() ? tier : tier_history.back().second; }
};

// The scenario's tenants and users, as planned from its seed (nothing is onboarded). `zones` names
// the IANA zones a scenario may pick; `tiers` says which tiers are siloed (their users get plain
// names, since each silo tenant has a user pool of its own).
std::vector<SimTenant> plan_population(const Scenario& scenario, const TierCatalog& tiers, const ZoneDatabase& zones);

}  // namespace tenantsim
