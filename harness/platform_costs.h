// What the platform's shared services cost per tenant, taken from the fakes' ledgers (what DynamoDB
// and Cognito would bill), never from the system's own counters: the system does not meter its
// table traffic or its sign-ins, so these costs are invisible to its cost reports, and a pricing
// analyst needs them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/base/money.h"
#include "core/domain/catalogs.h"
#include "core/domain/revenue.h"
#include "fakes/cognito/fake_cognito.h"
#include "fakes/dynamodb/fake_dynamodb.h"

namespace tenantsim {

struct PlatformUsage {
  int64_t read_half_units = 0;  // DynamoDB read request units, in halves (eventually consistent reads)
  int64_t write_units = 0;      // DynamoDB write request units (transactions count double)
  int64_t monthly_active_users = 0;  // summed over the calendar months of the run

  PlatformUsage& operator+=(const PlatformUsage& o) {
    read_half_units += o.read_half_units;
    write_units += o.write_units;
    monthly_active_users += o.monthly_active_users;
    return *this;
  }
  PlatformUsage& operator+=(const CapacityUnits& u) { return *this += PlatformUsage{u.read_half_units, u.write_units, 0}; }
};

struct PlatformAttribution {
  std::map<std::string, PlatformUsage> by_tenant;
  // The same per UTC day: tenant -> "YYYY-MM-DD" -> usage that day. A monthly active user counts on
  // the first day it was active in the month. Each tenant's days add up to its by_tenant entry.
  std::map<std::string, std::map<std::string, PlatformUsage>> by_tenant_day;
  // Traffic and users of no tenant in the list: the onboarding probes' short-lived tenants
  // ("offboarded-pool", "offboarded-silo"), or anything the system keys under no tenant.
  PlatformUsage unattributed;
};

// Table traffic is the tenant's whose id is the partition key, or leads it before a ':' (memory
// actors are "{tenant}:{sub}"): pooled tables split by key, silo tables are keyed by their tenant
// too. Monthly active users go to the tenant of the user (`tenant_of_sub`).
// With `days` (UTC "YYYY-MM-DD", first and last inclusive), only what happened on those days: the
// run's billing window, without the onboarding before it or the settling after it. A monthly active
// user counts when the first day it was active in its month falls in the window.
struct BillingDays {
  std::string first, last;
  bool contains(const std::string& day) const { return day >= first && day <= last; }
};
PlatformAttribution attribute_platform_usage(const DynamoLedger& dynamodb, const CognitoLedger& cognito,
                                             const std::set<std::string>& tenants,
                                             const std::map<std::string, std::string>& tenant_of_sub,
                                             const std::optional<BillingDays>& days = std::nullopt);

// Priced with the catalog's dynamodb_read_request_unit, dynamodb_write_request_unit and
// cognito_monthly_active_user (absent prices cost nothing): {"dynamodb": m, "cognito": m}.
// A half read unit costs half a read unit's price, floored to the pico-dollar once per tenant.
std::map<std::string, Money> price_platform_usage(const PlatformUsage& usage, const PriceCatalog& prices);

// A tenant's platform cost per UTC day and service ("dynamodb", "cognito"): each day is the cost of
// the usage up to its end less the cost up to its start, so the days add up exactly to
// price_platform_usage of the tenant's total (each day priced and floored on its own would not).
// Days with no cost are left out.
std::map<std::string, std::map<std::string, Money>> price_platform_usage_by_day(
    const std::map<std::string, PlatformUsage>& days, const PriceCatalog& prices);

// What a tenant's dedicated (silo) resources cost by the month, traffic or not: each of the catalog's
// silo_fixed_monthly lines (`lines`: PriceCatalog::silo_fixed_monthly(), read once per run) prorated
// (core/domain/revenue.h's prorated_fee) over each period the tenant spent on a tier deployed as a silo.
Money silo_fixed_cost(const std::vector<TierPeriod>& periods, const TierCatalog& tiers,
                      const std::map<std::string, Money>& lines);

}  // namespace tenantsim
