#include "core/api/admin_service.h"

#include "core/api/commands.h"
#include "core/api/request_fields.h"

namespace tenantsim {

Task<Result<Json>> AdminService::my_tenants(std::string token) {
  CO_TRY(Caller c, co_await auth_.caller(std::move(token)));
  // A user who administers nothing is refused, as the sample's admin dependency does: its page
  // shows the admin panel to whoever gets a 2xx here.
  CO_CHECK(auth_.require_admin(c));
  Json tenants = Json::array();
  tenants.push_back({{"tenant_id", c.tenant.id}, {"subscription_tier", c.tier->name},
                     {"deployment", deployment_name(c.tenant.deployment)}});
  co_return Json{{"tenants", tenants}, {"admin_tenants", Json::array({c.tenant.id})}};
}

Task<Result<Json>> AdminService::add_to_group(std::string token, Json body) {
  CO_TRY(Caller c, co_await auth_.caller(std::move(token)));
  CO_TRY(AddToGroup r, parse_add_to_group(body));
  const std::string& username = r.username;
  const std::string group = r.group.value_or(c.tenant.id + "-admins");
  CO_CHECK(auth_.require_group_admin(c));
  if (group != c.tenant.id + "-admins") co_return forbidden("ForeignGroup", "admins manage only their tenant's group");
  CO_TRY(UserRecord user, co_await identity_.admin_get_user(c.tenant.pool_id, username));
  auto owner = user.attributes.find("custom:tenant_id");
  if (owner == user.attributes.end() || owner->second != c.tenant.id)
    co_return Error::make(ErrorKind::kNotFound, "UserNotFoundException", "User does not exist.");  // no foreign-user oracle
  CO_CHECK(co_await identity_.admin_add_user_to_group(c.tenant.pool_id, username, group));
  co_return Json{{"username", username}, {"group", group}, {"added", true}};
}

Task<Result<Json>> AdminService::create_user(std::string token, std::string tenant_id, Json body) {
  CO_TRY(Caller c, co_await auth_.caller_in(std::move(token), std::move(tenant_id)));
  CO_CHECK(auth_.require_admin(c));
  CO_TRY(CreateUser r, parse_create_user(body));
  const std::string &username = r.username, &password = r.password;
  Attributes attrs{{"custom:tenant_id", c.tenant.id}, {"custom:subscription_tier", c.tenant.tier}};
  if (r.email) attrs["email"] = *r.email;
  CO_TRY(std::string sub, co_await identity_.admin_create_user(c.tenant.pool_id, username, password, attrs));
  co_return Json{{"tenant_id", c.tenant.id}, {"username", username}, {"user_sub", sub}};
}

}  // namespace tenantsim
