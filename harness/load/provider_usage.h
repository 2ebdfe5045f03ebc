// ProviderUsage: what a target consumed at its providers during a load run, read from the
// `tenantsim fakes serve` that is its cloud (`tenantsim load --fakes URL`): model calls and tokens,
// agent invocations, weather calls and knowledge-base retrievals, priced with the scenario's price
// catalogue, and per chat the target accepted. A team's own system reports its costs in its own way;
// the provider's side of the wire is what the bill will say, so a planner gets the cost of a chat of
// that system from it. The ledger is read when the traffic starts and when it ends, and the run's
// share is the difference: onboarding and earlier runs against the same fakes serve are left out.
#pragma once

#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <string>

#include "core/base/money.h"
#include "core/base/result.h"
#include "core/domain/catalogs.h"
#include "harness/cloud_ledgers.h"

namespace tenantsim::load {

struct ProviderUsage {
  std::map<std::string, int64_t> totals;  // "bedrock_invocations", "bedrock_input_tokens", ...
  std::map<std::string, Money> cost;      // by service: "bedrock", "agents", "weather", "knowledge_base"
  // The model calls each tenant of the run was named in (Bedrock's requestMetadata tenant_id), and
  // their cost: what a bill split by that tag gives each tenant. Calls with no tag of the run's
  // tenants cannot be attributed from the bill (totals "bedrock_invocations_untagged").
  struct Tagged {
    int64_t invocations = 0;
    Money cost;
  };
  std::map<std::string, Tagged> by_tenant;
};

// The usage in `after` beyond `before`, priced by `prices`; `tenants` are the run's.
ProviderUsage usage_between(const CloudLedgers& before, const CloudLedgers& after, const PriceCatalog& prices,
                            const std::set<std::string>& tenants);

// load.json's "provider_usage": the totals, the cost by service and in all, and each per accepted chat.
nlohmann::json provider_usage_json(const ProviderUsage& u, const std::string& source, int64_t accepted_chats);

}  // namespace tenantsim::load
