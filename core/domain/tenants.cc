#include "core/domain/tenants.h"

namespace tenantsim {

namespace {
UserPoolConfig pool_config(const std::string& name) {
  UserPoolConfig c;
  c.name = name;
  c.custom_attributes = {"tenant_id", "subscription_tier"};
  c.copy_custom_claims_to_access_token = true;  // seed 004: tenant claims in access tokens too
  return c;
}

Status create_tables(Database& db, const std::string& sessions, const std::string& usage) {
  // Both tables are partitioned by tenant_id, so a leading-key scope is an exact match on it.
  auto st = unless(ServiceError::kResourceInUse, db.create_table(TableSchema{sessions, "tenant_id", "session_key"}));
  if (!st.ok()) return st;
  return unless(ServiceError::kResourceInUse, db.create_table(TableSchema{usage, "tenant_id", "sk"}));
}
Item tenant_item(const Tenant& t) {
  Item item;
  item["tenant_id"] = t.id;
  item["status"] = std::string("active");
  item["subscription_tier"] = t.tier;
  item["deployment"] = std::string(deployment_name(t.deployment));
  item["user_pool_id"] = t.pool_id;
  item["client_id"] = t.client_id;
  item["sessions_table"] = t.sessions_table;
  item["usage_table"] = t.usage_table;
  item["model_account"] = t.model_account;
  item["knowledge_base_id"] = t.knowledge_base_id;
  item["runtime_id"] = t.runtime_id;
  if (t.zone.is_named()) item["time_zone"] = t.zone.name();
  else item["utc_offset_minutes"] = int64_t{t.zone.fixed_offset_minutes()};
  return item;
}
}  // namespace

std::vector<std::string> user_profile_attributes() {
  std::vector<std::string> out;
  for (std::string_view a : kStandardAttributes)
    if (a != "sub" && a != "email_verified" && a != "phone_number_verified") out.emplace_back(a);
  return out;
}

bool valid_tenant_id(const std::string& id) {
  if (id.size() < 3 || id.size() > 63) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return id.front() != '-' && id.back() != '-';
}

TenantDirectory::TenantDirectory(IdentityProvider& idp, Database& db, KnowledgeBase& kb, TokenVerifier& verifier,
                                 const TierCatalog& tiers, PlatformConfig config)
    : idp_(idp), db_(db), kb_(kb), verifier_(verifier), tiers_(tiers), config_(std::move(config)) {}

Task<Status> TenantDirectory::bootstrap() {
  CO_CHECK(unless(ServiceError::kResourceInUse, db_.create_table(TableSchema{config_.tenants_table, "tenant_id", ""})));
  CO_CHECK(create_tables(db_, config_.pooled_sessions_table, config_.pooled_usage_table));
  CO_CHECK(unless(ServiceError::kConflict, co_await kb_.create_knowledge_base(config_.pooled_knowledge_base)));
  auto pool = co_await idp_.create_user_pool(pool_config("tenantsim-pooled"));
  if (!pool.ok()) co_return pool.take_error();
  pooled_pool_ = pool.value();
  auto client = co_await idp_.create_app_client(pooled_pool_.pool_id, "tenantsim-web", config_.user_writable_attributes);
  if (!client.ok()) co_return client.take_error();
  pooled_client_ = client.value();
  verifier_.trust(TrustedPool{pooled_pool_.pool_id, pooled_pool_.issuer, {pooled_client_}, std::nullopt});
  co_return Status{};
}

Task<Result<Tenant>> TenantDirectory::onboard(std::string tenant_id, std::string tier, TimeZone zone) {
  if (!valid_tenant_id(tenant_id))
    co_return Error::make(ErrorKind::kBadRequest, "InvalidTenantId", "tenant_id must be 3-63 characters of a-z, 0-9 and '-'");
  const TierPolicy* policy = tiers_.find(tier);
  if (!policy) co_return Error::make(ErrorKind::kBadRequest, "UnknownTier", "no such subscription tier: " + tier);
  if (!zone.is_named() && !valid_utc_offset_minutes(zone.fixed_offset_minutes()))
    co_return Error::make(ErrorKind::kBadRequest, "InvalidUtcOffset", "utc offset must be within +-14 hours");

  auto table = db_.open(config_.tenants_table, std::nullopt);
  if (!table.ok()) co_return table.take_error();
  // Claim the id first, so two concurrent onboardings of one id cannot both build resources.
  Item claim;
  claim["tenant_id"] = tenant_id;
  claim["status"] = std::string("onboarding");
  Condition unclaimed = Condition::not_exists("tenant_id");
  auto claimed = co_await (*table)->put_item(std::move(claim), std::move(unclaimed));
  if (!claimed.ok()) {
    if (claimed.error().is(ServiceError::kConditionalCheckFailed))
      co_return Error::make(ErrorKind::kConflict, "TenantExists", "tenant already exists: " + tenant_id);
    co_return claimed.take_error();
  }

  Tenant t;
  t.id = tenant_id;
  t.tier = tier;
  t.deployment = policy->deployment;
  t.zone = std::move(zone);
  Status built = co_await build(t);
  if (built.ok()) {
    Item record = tenant_item(t);
    built = co_await (*table)->put_item(std::move(record));
  }
  if (!built.ok()) {
    // A step that failed gives the id back, with what was built so far.
    Tenant partial = t;
    co_await release(std::move(partial));
    co_return built.take_error();
  }
  std::lock_guard lock(mu_);
  tenants_[t.id] = t;
  if (t.deployment == Deployment::kSilo) silo_runtimes_[t.runtime_id] = t.id;
  co_return t;
}

Task<Status> TenantDirectory::build(Tenant& t) {
  if (t.deployment == Deployment::kSilo) {
    auto pool = co_await idp_.create_user_pool(pool_config("tenantsim-silo-" + t.id));
    if (!pool.ok()) co_return pool.take_error();
    t.pool_id = pool->pool_id;
    t.issuer = pool->issuer;
    auto client = co_await idp_.create_app_client(pool->pool_id, "tenantsim-web", config_.user_writable_attributes);
    if (!client.ok()) co_return client.take_error();
    t.client_id = client.value();
    t.sessions_table = config_.pooled_sessions_table + "-" + t.id;
    t.usage_table = config_.pooled_usage_table + "-" + t.id;
    t.model_account = "silo-" + t.id;
    t.knowledge_base_id = "kb-" + t.id;
    t.runtime_id = config_.pooled_runtime + "-" + t.id;
    CO_CHECK(create_tables(db_, t.sessions_table, t.usage_table));
    CO_CHECK(unless(ServiceError::kConflict, co_await kb_.create_knowledge_base(t.knowledge_base_id)));
    verifier_.trust(TrustedPool{t.pool_id, t.issuer, {t.client_id}, t.id});
  } else {
    t.pool_id = pooled_pool_.pool_id;
    t.issuer = pooled_pool_.issuer;
    t.client_id = pooled_client_;
    t.sessions_table = config_.pooled_sessions_table;
    t.usage_table = config_.pooled_usage_table;
    t.model_account = config_.pooled_model_account;
    t.knowledge_base_id = config_.pooled_knowledge_base;
    t.runtime_id = config_.pooled_runtime;
  }
  CO_CHECK(unless(ServiceError::kGroupExists, co_await idp_.create_group(t.pool_id, t.id + "-admins")));
  co_return Status{};
}

bool TenantDirectory::runtime_exists(const std::string& runtime_id) const {
  if (runtime_id == config_.pooled_runtime) return true;
  std::lock_guard lock(mu_);
  const auto r = silo_runtimes_.find(runtime_id);
  if (r == silo_runtimes_.end()) return false;
  const auto t = tenants_.find(r->second);
  return t != tenants_.end() && t->second.active;
}

Task<Status> TenantDirectory::change_tier(std::string tenant_id, std::string tier) {
  std::optional<Tenant> t = find(tenant_id);
  if (!t || !t->active) co_return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no active tenant " + tenant_id);
  if (!tiers_.find(tier)) co_return Error::make(ErrorKind::kBadRequest, "UnknownTier", "no tier " + tier);
  // The record first: what is served from memory must never be ahead of what is stored.
  auto table = db_.open(config_.tenants_table, std::nullopt);
  if (!table.ok()) co_return table.take_error();
  Key key{tenant_id, ""};
  Update change;
  change.set("subscription_tier", tier);
  auto st = co_await (*table)->update_item(std::move(key), std::move(change));
  if (!st.ok()) co_return st.take_error();
  std::lock_guard lock(mu_);
  tenants_[tenant_id].tier = tier;
  co_return Status{};
}

Task<Status> TenantDirectory::offboard(std::string tenant_id) {
  std::optional<Tenant> t = find(tenant_id);
  if (!t || !t->active) co_return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no active tenant " + tenant_id);
  {
    std::lock_guard lock(mu_);
    tenants_[tenant_id].active = false;
  }
  auto table = db_.open(config_.tenants_table, std::nullopt);
  if (!table.ok()) co_return table.take_error();
  Key key{tenant_id, ""};
  Update off;
  off.set("status", std::string("offboarded"));
  auto st = co_await (*table)->update_item(std::move(key), std::move(off));
  if (!st.ok()) co_return st.take_error();
  if (t->deployment == Deployment::kSilo) {
    verifier_.distrust(t->issuer);
    auto del = co_await idp_.delete_user_pool(t->pool_id);
    if (!del.ok()) co_return del;
    (void)db_.delete_table(t->sessions_table);
    (void)db_.delete_table(t->usage_table);
  }
  co_return Status{};
}

Task<void> TenantDirectory::release(Tenant t) {
  {
    std::lock_guard lock(mu_);
    tenants_.erase(t.id);
    silo_runtimes_.erase(t.runtime_id);
  }
  if (t.deployment == Deployment::kSilo && !t.pool_id.empty()) {
    verifier_.distrust(t.issuer);
    (void)co_await idp_.delete_user_pool(t.pool_id);
    if (!t.sessions_table.empty()) (void)db_.delete_table(t.sessions_table);
    if (!t.usage_table.empty()) (void)db_.delete_table(t.usage_table);
  }
  auto table = db_.open(config_.tenants_table, std::nullopt);
  Key key{t.id, ""};  // a named local: GCC 12 and braced temporaries in co_await
  if (table.ok()) (void)co_await (*table)->delete_item(std::move(key));
}

std::optional<Tenant> TenantDirectory::find(const std::string& tenant_id) const {
  std::lock_guard lock(mu_);
  auto it = tenants_.find(tenant_id);
  if (it == tenants_.end()) return std::nullopt;
  return it->second;
}

std::vector<Tenant> TenantDirectory::all() const {
  std::lock_guard lock(mu_);
  std::vector<Tenant> out;
  for (const auto& [id, t] : tenants_) out.push_back(t);
  return out;
}

}  // namespace tenantsim
