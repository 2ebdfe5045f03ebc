// The pricing analyst's view of a run, per tier: money in (subscription fees, prorated), money out
// (metered cost by service), the margin, how cost spreads over tenants, and where a tenant stops
// paying for itself. One computation shared by report.json, tiers.csv, summary.md and report.html.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/run_result.h"

namespace tenantsim {

struct TierEconomics {
  std::string tier;
  int64_t tenants = 0, users = 0, messages = 0;  // messages: chats accepted
  int64_t requests = 0, refused_limit = 0, throttled = 0, failed = 0;  // the tenants' TenantRow counts, summed
  Money revenue, cost, margin;                   // margin = revenue - cost, may be negative
  std::map<std::string, Money> cost_by_service;
  // margin / revenue in basis points (1/100 of a percent), rounded toward zero; none without revenue.
  std::optional<int64_t> margin_bp;
  // Cost per tenant of the tier, nearest-rank percentiles.
  Money tenant_cost_p50, tenant_cost_p90, tenant_cost_p99, tenant_cost_max;
  std::optional<Money> cost_per_message;  // cost / messages, floored; none without messages
  int64_t losing_tenants = 0;             // tenants whose cost exceeded their revenue
  // Messages a tenant of the tier could send over the run before its cost passed its revenue:
  // (revenue - fixed cost) per tenant / marginal cost per message. Fixed cost is what a tenant pays
  // whatever it sends (its silo's monthly resources, its users' Cognito MAUs); the marginal cost per
  // message is the rest over the messages sent. 0 for a free tier with no fixed cost (every message
  // loses money); never for one with any.
  // None when a message costs nothing at the margin or nothing was sent, and when the fixed cost
  // alone exceeds the revenue (break_even_never: no number of messages breaks even).
  std::optional<int64_t> break_even_messages_per_tenant;
  bool break_even_never = false;
};

// Tiers in the order a reader expects (see tier_less).
std::vector<TierEconomics> tier_economics(const RunResult& r);

// The order a reader expects tiers in: basic, advanced, premium, then any others by name.
bool tier_less(const std::string& a, const std::string& b);

// The `n` tenants that cost most, most first (ties by id).
std::vector<const TenantRow*> most_expensive_tenants(const RunResult& r, size_t n);

// Basis points as a percentage with two decimals: 1234 -> "12.34".
std::string bp_percent(int64_t bp);

}  // namespace tenantsim
