// System: the multi-tenant agent SaaS of seed 000 as an in-process API. Every endpoint takes the
// caller's bearer token and its inputs, and answers a JSON document or a typed Error that maps to
// an HTTP status. The HTTP server and the in-process driver both call exactly this.
//
// Rules every endpoint keeps: the token is verified (RS256 via JWKS); the tenant comes from the
// token, and a tenant in the path or body must equal it (403 otherwise); tables are opened bound
// to that tenant (leading-key scope), so a bug cannot reach another tenant's items; admin
// endpoints need "{tenant}-admins", and cost reports need a tier with cost_reports.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/auth/token_verifier.h"
#include "core/base/defects.h"
#include "core/base/rng.h"
#include "core/domain/agent.h"
#include "core/domain/catalogs.h"
#include "core/domain/metering.h"
#include "core/domain/quota.h"
#include "core/domain/tenants.h"

namespace tenantsim {

struct SystemPorts {
  Clock& clock;
  IdentityProvider& identity;
  ModelRuntime& model;
  Database& database;
  WeatherApi& weather;
  KnowledgeBase& knowledge;
  AgentService& agents;
  // Named time zones for tenants that give one at registration; without it only fixed offsets.
  const ZoneDatabase* zones = nullptr;
};

struct SystemConfig {
  TierCatalog tiers;
  PriceCatalog prices;
  PlatformConfig platform;
  VerifierPolicy verifier;
  DefectSet defects;
  uint64_t seed = 1;
  size_t memory_turns = 10;  // conversation turns sent back to the model
};

using Json = nlohmann::json;

// Which usage records a cost view covers: the last `days` x 24 hours up to now, or all of them.
struct CostWindow {
  std::optional<int> days;
};

class System final : public UsageTableSource {
 public:
  System(SystemPorts ports, SystemConfig config);
  ~System() override;

  // Creates the pooled resources. REQUIRES: called once, before any endpoint.
  Task<Status> start();

  // --- public endpoints -------------------------------------------------------------------
  Json health() const;
  // The signing keys of every user pool the system trusts (the pooled one and each silo tenant's),
  // as one JWKS document: what a client or gateway needs to verify our tokens itself.
  Task<Result<Json>> jwks();
  // Self-service registration: creates the tenant on `subscription_tier` (409 if it exists) and its
  // first user, who becomes the tenant's admin when `admin` is true. Email verification follows.
  Task<Result<Json>> register_tenant(Json body);
  Task<Result<Json>> confirm_registration(Json body);
  Task<Result<Json>> login(Json body);
  Task<Result<Json>> refresh(Json body);

  // --- authenticated endpoints (token = the bearer token) ---------------------------------
  Task<Result<Json>> create_session(std::string token);
  Task<Result<Json>> close_session(std::string token, std::string session_id);
  Task<Result<Json>> list_sessions(std::string token, std::string tenant_id);
  Task<Result<Json>> chat(std::string token, Json body);
  Task<Result<Json>> usage(std::string token, std::string tenant_id);
  Task<Result<Json>> subscription(std::string token, std::string tenant_id);
  Task<Result<Json>> tenant_costs(std::string token, std::string tenant_id, CostWindow window = {});
  Task<Result<Json>> user_costs(std::string token, std::string tenant_id, std::string user_id, CostWindow window = {});
  // AgentCore Runtime's InvokeAgentRuntime: {"prompt", "sessionAttributes"?, "enableTrace"?} in the
  // runtime session `runtime_session_id` (33-256 characters; one of the caller's open sessions).
  // The inbound authorizer verifies the token; sessionAttributes naming another tenant or user are
  // refused (403), never believed. The answer is the chat's, with the trace when asked for.
  Task<Result<Json>> invoke_runtime(std::string token, std::string runtime_session_id, Json body);
  // The tool gateway's MCP endpoint (JSON-RPC 2.0 tools/list and tools/call), validating the token
  // again: the tools are the caller's tier's, the tenant is the token's, whatever the arguments say.
  Task<Result<Json>> gateway_mcp(std::string token, Json body);
  Task<Result<Json>> weather_tools(std::string token);
  Task<Result<Json>> run_weather_tool(std::string token, std::string tool, Json body);

  // --- admin endpoints ---------------------------------------------------------------------
  // report: "overall-cost", "per-user-cost", "service-wise-cost", "comprehensive-report"
  Task<Result<Json>> admin_cost_report(std::string token, std::string tenant_id, std::string report,
                                       CostWindow window = {});
  Task<Result<Json>> admin_user_service_cost(std::string token, std::string tenant_id, std::string user_id,
                                             CostWindow window = {});
  Task<Result<Json>> admin_my_tenants(std::string token);
  Task<Result<Json>> admin_add_to_group(std::string token, Json body);
  Task<Result<Json>> admin_create_user(std::string token, std::string tenant_id, Json body);

  // --- operations ---------------------------------------------------------------------------
  TenantDirectory& tenants() { return *tenants_; }
  Metering& metering() { return *metering_; }
  TokenVerifier& verifier() { return *verifier_; }
  const SystemConfig& config() const { return config_; }
  const Agent& agent() const { return *agent_; }
  const ToolGateway& gateway() const { return *gateway_; }
  // The tenant's usage table, bound to that tenant (metering writes through it).
  Result<std::shared_ptr<Table>> usage_table_for(const std::string& tenant_id) override;

 private:
  struct Caller {
    Principal principal;
    Tenant tenant;
    const TierPolicy* tier = nullptr;
  };
  Task<Result<Caller>> authenticate(std::string token, TokenVerifier::Checks checks = {});
  // One tool called directly (the MCP endpoints), through the gateway as the caller; metered.
  Task<Result<Json>> call_tool(const Caller& c, std::string tool, ToolInput input);
  // The chat turn once the caller is known: session, limits, memory, the agent, metering.
  Task<Result<Json>> run_turn(Caller c, std::string message, std::string session_id, bool with_trace);
  // authenticate, then refuse (403 TenantMismatch) unless the token's tenant is `tenant_id`.
  Task<Result<Caller>> authenticate_for(std::string token, std::string tenant_id);
  std::optional<Tenant> active_tenant(const std::string& tenant_id) const;
  Result<std::shared_ptr<Table>> sessions_table(const Tenant& tenant);
  Result<std::shared_ptr<Table>> usage_table(const Tenant& tenant);
  Result<std::shared_ptr<Table>> open_scoped(const std::string& table, const std::string& tenant_id);
  // The sessions the caller may see (all of the tenant's for its admins, else their own), or only
  // the caller's own.
  Task<Result<Json>> session_list(const Caller& c, bool own_only = false);
  Task<Result<Json>> cost_json(const Caller& c, std::string user_filter, CostWindow window);
  std::optional<Period> period_of(CostWindow window) const;
  std::string new_id(const char* prefix);
  std::string new_uuid();

  SystemPorts ports_;
  SystemConfig config_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<TenantDirectory> tenants_;
  std::unique_ptr<QuotaManager> quotas_;
  std::unique_ptr<Metering> metering_;
  std::unique_ptr<ToolGateway> gateway_;
  std::unique_ptr<Agent> agent_;
  std::mutex rng_mu_;
  Rng rng_;
};

}  // namespace tenantsim
