// Tenants and their onboarding (seed 004's control plane). A tenant's tier decides its deployment
// model: pool (shared user pool with custom attributes, shared tables keyed by tenant, shared model
// quota) or silo (its own user pool, tables and model account). The directory is the only writer
// of the tenants table and keeps an in-memory copy for the request path.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/auth/token_verifier.h"
#include "core/domain/catalogs.h"
#include "core/ports/identity_provider.h"
#include "core/ports/knowledge_base.h"
#include "core/ports/table.h"

namespace tenantsim {

// "silo" or "pool": the deployment's name in the tenant record and the API's answers.
inline const char* deployment_name(Deployment d) { return d == Deployment::kSilo ? "silo" : "pool"; }

struct Tenant {
  std::string id;
  std::string tier;
  Deployment deployment = Deployment::kPool;
  std::string pool_id;
  std::string issuer;
  std::string client_id;
  std::string sessions_table;
  std::string usage_table;
  std::string model_account;
  std::string knowledge_base_id;  // the pooled knowledge base (filtered by tenant_id) or its own
  // The AgentCore runtime that serves its users (seed 004): the pooled one, or a silo tenant's own,
  // whose inbound authorizer trusts only that tenant's user pool.
  std::string runtime_id;
  // Its calendar: quota windows and cost views count its local days and months.
  TimeZone zone;
  bool active = true;
};

struct RuntimeSize {
  int64_t vcpus = 1;
  int64_t memory_mb = 1024;
};

// The standard attributes a user may set about themselves: all but `sub` and the verified flags.
std::vector<std::string> user_profile_attributes();

struct PlatformConfig {
  std::string tenants_table = "tenantsim-tenants";
  std::string pooled_sessions_table = "tenant-sessions";
  std::string pooled_usage_table = "tenant-usage";
  std::string pooled_model_account = "pool";
  // Long-term agent memory (AgentCore Memory): one store for the platform, namespaced by actor id.
  std::string memory_table = "agent-memory";
  // Bedrock knowledge base of the pooled tenants; each document carries tenant_id metadata.
  std::string pooled_knowledge_base = "kb-pooled";
  // The agent runtime of the pooled tenants; a silo tenant's is "{pooled_runtime}-{tenant}".
  std::string pooled_runtime = "tenantsim-agent";
  // The size of an agent runtime's microVM, what AgentCore bills each invocation for.
  RuntimeSize runtime_size;
  std::string region = "us-east-1";  // what the consumption events name
  std::string weather_api_key = "tenantsim-weather-key";
  // What users may set about themselves in Cognito, at sign-up and after (the app client's write
  // attributes): the standard profile attributes, never the tenant claims. In a pooled user pool a
  // user who could write custom:tenant_id (a sign-up form can send it) would sign in as any other
  // pooled tenant; the system writes tenant claims with AdminUpdateUserAttributes only. nullopt
  // (Cognito's default when WriteAttributes is left out: custom attributes too) only as a defect.
  std::optional<std::vector<std::string>> user_writable_attributes = user_profile_attributes();
};

// "acme-corp": 3 to 63 of [a-z0-9-], starting with a letter or digit.
bool valid_tenant_id(const std::string& id);

class TenantDirectory {
 public:
  TenantDirectory(IdentityProvider& idp, Database& db, KnowledgeBase& kb, TokenVerifier& verifier,
                  const TierCatalog& tiers, PlatformConfig config);

  // Creates the pooled user pool, app client and shared tables. Call once before anything else.
  Task<Status> bootstrap();

  // Onboards a tenant on `tier`: silo resources (user pool, tables, model account, knowledge base) when the tier says so, the tenant's admin group,
  // and the tenant record. kConflict "TenantExists" if the id is taken.
  // A fixed `zone` must be within +-14 hours of UTC.
  Task<Result<Tenant>> onboard(std::string tenant_id, std::string tier, TimeZone zone = {});
  // Moves an active tenant to another tier (a billing change). Its limits, tools and features are
  // the new tier's from the next request on, whatever tier its users' tokens still claim; sessions
  // already open keep the duration they were opened with; its deployment (pool or silo) stays.
  // kNotFound for no such active tenant, kBadRequest for an unknown tier.
  Task<Status> change_tier(std::string tenant_id, std::string tier);
  // Deactivates the tenant (its tokens stop working at once) and deletes its silo resources.
  Task<Status> offboard(std::string tenant_id);
  // Undoes an onboarding that cannot be finished: a step of onboard() failed, or the registration's
  // first user could not be created (a weak password, a name taken in the pooled pool, a throttled
  // call). Its silo user pool and tables are deleted and its record (or claim) removed, so the id is
  // free again and the whole registration can simply be retried; without this a failed sign-up
  // would hold the id for ever with no user to sign in. The knowledge base stays: the port cannot
  // delete one, and onboarding takes an existing one as its own. Best effort: a failure here is not
  // reported over the one that caused it.
  Task<void> release(Tenant partial);

 private:
  // onboard()'s resources for `t` (its id, tier and deployment set): the silo pool, app client,
  // tables and knowledge base, or the pooled ones; the admin group. Fills in what it built.
  Task<Status> build(Tenant& t);

 public:

  std::optional<Tenant> find(const std::string& tenant_id) const;
  // Whether an agent runtime of this id exists: the pooled one, or an active silo tenant's.
  bool runtime_exists(const std::string& runtime_id) const;
  std::vector<Tenant> all() const;
  const PlatformConfig& config() const { return config_; }
  const UserPool& pooled_pool() const { return pooled_pool_; }

 private:
  IdentityProvider& idp_;
  Database& db_;
  KnowledgeBase& kb_;
  TokenVerifier& verifier_;
  const TierCatalog& tiers_;
  PlatformConfig config_;
  UserPool pooled_pool_;
  std::string pooled_client_;
  mutable std::mutex mu_;
  std::map<std::string, Tenant> tenants_;
  std::map<std::string, std::string> silo_runtimes_;  // runtime id -> its tenant
};

}  // namespace tenantsim
