#include "core/api/registration_service.h"

#include <set>

#include <fmt/format.h>

#include "core/api/commands.h"
#include "core/api/request_fields.h"

namespace tenantsim {

namespace {

// The sign-in answer. A refresh grant returns no new refresh token (as in Cognito).
Json tokens_json(const AuthTokens& t, bool with_refresh_token) {
  Json j{{"id_token", t.id_token}, {"access_token", t.access_token}, {"expires_in", t.expires_in}, {"token_type", "Bearer"}};
  if (with_refresh_token) j["refresh_token"] = t.refresh_token;
  return j;
}

Error bad_credentials(const char* message) {
  return Error::make(ErrorKind::kUnauthorized, "NotAuthorizedException", message);
}

}  // namespace

Task<Result<Json>> RegistrationService::jwks() {
  std::set<std::string> pools{tenants_.pooled_pool().pool_id};
  for (const auto& t : tenants_.all())
    if (t.active) pools.insert(t.pool_id);
  Json keys = Json::array();
  std::set<std::string> kids;
  for (const auto& pool : pools) {
    CO_TRY(std::string doc, co_await identity_.jwks(pool));
    const Json parsed = Json::parse(doc, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("keys") || !parsed["keys"].is_array())
      co_return Error::make(ErrorKind::kUnavailable, "IdentityProviderError", "the user pool's JWKS is not a key set");
    for (const auto& k : parsed["keys"])
      if (kids.insert(k.value("kid", "")).second) keys.push_back(k);
  }
  co_return Json{{"keys", keys}};
}

Task<Result<Json>> RegistrationService::register_tenant(Json body) {
  CO_TRY(RegisterTenant r, parse_register_tenant(body));
  // The tenant's calendar: a fixed offset, or an IANA zone (its windows then follow daylight saving).
  TimeZone zone;
  if (r.utc_offset_minutes) zone = TimeZone::fixed(*r.utc_offset_minutes);
  if (r.time_zone) {
    auto rules = zones_ ? zones_->find(*r.time_zone) : nullptr;
    if (!rules)
      co_return bad_request("UnknownTimeZone",
                            fmt::format("unknown time zone '{}' (an IANA name such as America/New_York)", *r.time_zone));
    zone = TimeZone::named(*r.time_zone, std::move(rules));
  }

  CO_TRY(Tenant tenant, co_await tenants_.onboard(r.tenant_id, r.tier, std::move(zone)));
  // The public sign-up carries only what the user may say about themselves: the app client cannot
  // write the tenant claims (a stranger's sign-up form could name any tenant). They are written
  // with the pool owner's credentials, before the user can confirm and sign in.
  Attributes profile;
  if (!r.email.empty()) profile["email"] = r.email;
  auto sub = co_await identity_.sign_up(tenant.client_id, r.username, r.password, profile);
  Status member = sub.ok() ? Status{} : Status(sub.error());
  if (sub.ok()) {
    Attributes tenant_claims{{"custom:tenant_id", tenant.id}, {"custom:subscription_tier", tenant.tier}};
    member = co_await identity_.admin_update_user_attributes(tenant.pool_id, r.username, std::move(tenant_claims));
    if (member.ok() && r.admin) {
      std::string admins = tenant.id + "-admins";
      member = co_await identity_.admin_add_user_to_group(tenant.pool_id, r.username, std::move(admins));
    }
    // A user without its tenant claims is nobody's member, an owner outside its admin group not the
    // one asked for: remove it, so the same registration can be sent again (a few tries: a
    // throttled or failed delete would leave the name taken).
    for (int attempt = 0; !member.ok() && attempt < 3; ++attempt) {
      const std::string pool = tenant.pool_id, username = r.username;
      if ((co_await identity_.admin_delete_user(pool, username)).ok()) break;
    }
  }
  if (!member.ok()) {
    // No member was made: give the id back, so that the same registration can be sent again.
    Tenant partial = tenant;
    co_await tenants_.release(std::move(partial));
    co_return member.error();
  }
  co_return Json{{"tenant_id", tenant.id}, {"username", r.username}, {"user_sub", *sub},
                 {"subscription_tier", tenant.tier}, {"deployment", deployment_name(tenant.deployment)},
                 {"admin", r.admin}, {"confirmation_required", true}};
}

Result<Json> RegistrationService::auth_config(const std::string& tenant_id) const {
  auto t = auth_.active_tenant(tenant_id);
  if (!t) return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no such tenant");
  return Json{{"tenant_id", t->id},
              {"user_pool_id", t->pool_id},
              {"client_id", t->client_id},
              {"region", t->pool_id.substr(0, t->pool_id.find('_'))}};
}

Task<Result<Json>> RegistrationService::confirm(Json body) {
  CO_TRY(ConfirmRegistration r, parse_confirm_registration(body));
  const std::string &username = r.username, &code = r.code;
  auto t = auth_.active_tenant(r.tenant_id);
  if (!t) co_return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no such tenant");
  CO_CHECK(co_await identity_.confirm_sign_up(t->client_id, username, code));
  co_return Json{{"confirmed", true}, {"username", username}, {"tenant_id", t->id}};
}

Task<Result<Json>> RegistrationService::login(Json body) {
  CO_TRY(PasswordLogin r, parse_password_login(body));
  const std::string &username = r.username, &password = r.password;
  auto t = auth_.active_tenant(r.tenant_id);
  if (!t) co_return bad_credentials("Incorrect username or password.");
  CO_TRY(AuthTokens tokens, co_await identity_.initiate_auth_password(t->client_id, username, password));
  // A pooled user pool holds every pooled tenant's users: the user must belong to the tenant asked
  // for. The ID token the pool just issued says whose user it is, so no second call to the pool.
  const auto claims = unverified_claims(tokens.id_token);
  if (!claims || claims->value("custom:tenant_id", "") != t->id) co_return bad_credentials("Incorrect username or password.");
  co_return tokens_json(tokens, true);
}

Task<Result<Json>> RegistrationService::refresh(Json body) {
  CO_TRY(TokenRefresh r, parse_token_refresh(body));
  auto t = auth_.active_tenant(r.tenant_id);
  if (!t) co_return bad_credentials("Invalid Refresh Token");
  CO_TRY(AuthTokens tokens, co_await identity_.initiate_auth_refresh(t->client_id, r.refresh_token));
  co_return tokens_json(tokens, false);
}

}  // namespace tenantsim
