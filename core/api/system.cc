#include "core/api/system.h"
#include "core/api/sample_fields.h"
#include "core/domain/session_key.h"

#include <set>

#include <fmt/format.h>

#include <array>

namespace tenantsim {

namespace {

Error bad_request(const char* name, std::string msg) { return Error::make(ErrorKind::kBadRequest, name, std::move(msg)); }
Error forbidden(const char* name, std::string msg) { return Error::make(ErrorKind::kForbidden, name, std::move(msg)); }

// The sign-in answer. A refresh grant returns no new refresh token (as in Cognito).
Json tokens_json(const AuthTokens& t, bool with_refresh_token) {
  Json j{{"id_token", t.id_token}, {"access_token", t.access_token}, {"expires_in", t.expires_in}, {"token_type", "Bearer"}};
  if (with_refresh_token) j["refresh_token"] = t.refresh_token;
  return j;
}

// A required, non-empty string field of at most `max` bytes.
Result<std::string> field(const Json& body, const char* name, size_t max = 256) {
  if (!body.is_object()) return bad_request("InvalidBody", "request body must be a JSON object");
  auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
    return bad_request("MissingField", fmt::format("'{}' is required and must be a non-empty string", name));
  if (it->get<std::string>().size() > max) return bad_request("FieldTooLong", fmt::format("'{}' is longer than {}", name, max));
  return it->get<std::string>();
}

struct FieldSpec {
  const char* name;
  size_t max;
};

// Several required string fields at once; the first missing or too long one is the error.
template <size_t N>
Result<std::array<std::string, N>> fields(const Json& body, const FieldSpec (&specs)[N]) {
  std::array<std::string, N> out;
  for (size_t i = 0; i < N; ++i) {
    auto f = field(body, specs[i].name, specs[i].max);
    if (!f.ok()) return f.take_error();
    out[i] = std::move(f).value();
  }
  return out;
}

Json money_json(Money m) { return Json{{"usd", m.to_usd_string()}, {"pico_usd", m.pico}}; }

const char* deployment_name(Deployment d) { return d == Deployment::kSilo ? "silo" : "pool"; }

}  // namespace

System::System(SystemPorts ports, SystemConfig config)
    : ports_(ports), config_(std::move(config)), rng_(Rng(config_.seed).split("system")) {
  if (config_.defects.on(Defect::kCustomAttributesWritable)) config_.platform.user_writable_attributes = std::nullopt;
  verifier_ = std::make_unique<TokenVerifier>(ports_.identity, ports_.clock, config_.verifier, &config_.defects);
  tenants_ = std::make_unique<TenantDirectory>(ports_.identity, ports_.database, ports_.knowledge, *verifier_,
                                               config_.tiers, config_.platform);
  quotas_ = std::make_unique<QuotaManager>(ports_.clock, config_.defects);
  metering_ = std::make_unique<Metering>(*this, config_.defects);
  gateway_ = std::make_unique<ToolGateway>(config_.defects);
  for (auto kind : {WeatherKind::kCurrent, WeatherKind::kForecast, WeatherKind::kAlerts})
    gateway_->add(make_weather_tool(kind, ports_.weather, config_.platform.weather_api_key));
  gateway_->add(make_knowledge_base_tool(ports_.knowledge, config_.defects));
  agent_ = std::make_unique<Agent>(ports_.model, ports_.agents, *gateway_, ports_.clock, config_.defects);
}

System::~System() = default;

Task<Status> System::start() {
  auto st = co_await tenants_->bootstrap();
  if (!st.ok()) co_return st;
  auto made = ports_.database.create_table({config_.platform.memory_table, "actor_id", "sk"});
  if (!made.ok() && made.error().name != "ResourceInUseException") co_return made;
  co_return Status{};
}

std::string System::new_id(const char* prefix) {
  std::lock_guard lock(rng_mu_);
  return fmt::format("{}-{:016x}", prefix, rng_.next());
}

std::string System::new_uuid() {
  std::lock_guard lock(rng_mu_);
  const uint64_t a = rng_.next(), b = rng_.next();
  // 36 characters: a session id of at least 33 characters, as AgentCore requires (seed 002).
  return fmt::format("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52,
                     b & 0xffffffffffffULL);
}

Result<std::shared_ptr<Table>> System::open_scoped(const std::string& table, const std::string& tenant_id) {
  return ports_.database.open(table, LeadingKeyScope{tenant_id, config_.defects.on(Defect::kLeadingKeyPrefixMatch)});
}

Result<std::shared_ptr<Table>> System::sessions_table(const Tenant& t) { return open_scoped(t.sessions_table, t.id); }
Result<std::shared_ptr<Table>> System::usage_table(const Tenant& t) { return open_scoped(t.usage_table, t.id); }

Result<std::shared_ptr<Table>> System::usage_table_for(const std::string& tenant_id) {
  auto t = tenants_->find(tenant_id);
  if (!t) return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no tenant " + tenant_id);
  return usage_table(*t);
}

Json System::health() const { return Json{{"status", "healthy"}, {"service", "tenantsim"}}; }

Task<Result<Json>> System::jwks() {
  std::set<std::string> pools{tenants_->pooled_pool().pool_id};
  for (const auto& t : tenants_->all())
    if (t.active) pools.insert(t.pool_id);
  Json keys = Json::array();
  std::set<std::string> kids;
  for (const auto& pool : pools) {
    auto doc = co_await ports_.identity.jwks(pool);
    if (!doc.ok()) co_return doc.take_error();
    const Json parsed = Json::parse(*doc, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("keys") || !parsed["keys"].is_array())
      co_return Error::make(ErrorKind::kUnavailable, "IdentityProviderError", "the user pool's JWKS is not a key set");
    for (const auto& k : parsed["keys"])
      if (kids.insert(k.value("kid", "")).second) keys.push_back(k);
  }
  co_return Json{{"keys", keys}};
}

Task<Result<System::Caller>> System::authenticate(std::string token, TokenVerifier::Checks checks) {
  auto p = co_await verifier_->verify(std::move(token), checks);
  if (!p.ok()) co_return p.take_error();
  auto t = active_tenant(p->tenant_id);
  if (!t) co_return forbidden("TenantInactive", "the token's tenant is not an active tenant");
  if (t->issuer != p->issuer)
    co_return Error::make(ErrorKind::kUnauthorized, "WrongIssuer", "token was not issued by the tenant's user pool");
  // The tier is the tenant's, from the directory: a token cannot raise it (and a stale token
  // after a downgrade does not keep the old tier).
  std::string tier_name = t->tier;
  if (config_.defects.on(Defect::kTierFromTokenClaim)) tier_name = p->tier;  // the defect: the token's claim
  const TierPolicy* tier = config_.tiers.find(tier_name);
  if (!tier) co_return Error::make(ErrorKind::kInternal, "UnknownTier", "tenant has an unknown tier");
  co_return Caller{std::move(p).value(), std::move(*t), tier};
}

Task<Result<System::Caller>> System::authenticate_for(std::string token, std::string tenant_id) {
  auto c = co_await authenticate(std::move(token));
  if (!c.ok()) co_return c;
  if (tenant_id != c->tenant.id) co_return forbidden("TenantMismatch", "access denied: the path names another tenant");
  co_return c;
}

std::optional<Tenant> System::active_tenant(const std::string& tenant_id) const {
  auto t = tenants_->find(tenant_id);
  if (!t || !t->active) return std::nullopt;
  return t;
}

// ---------------------------------------------------------------- registration and login

Task<Result<Json>> System::register_tenant(Json body) {
  auto f = fields(body, {{"tenant_id", 63}, {"username", 128}, {"password", 256}, {"subscription_tier", 32}});
  if (!f.ok()) co_return f.take_error();
  const std::string &tenant_id = (*f)[0], &username = (*f)[1], &password = (*f)[2], &tier = (*f)[3];
  if (body.contains("admin") && !body["admin"].is_boolean()) co_return bad_request("InvalidField", "'admin' must be a boolean");
  const bool admin = body.value("admin", false);
  // The tenant's calendar: a fixed offset, or an IANA zone (its windows then follow daylight saving).
  TimeZone zone;
  if (body.contains("utc_offset_minutes")) {
    if (!body["utc_offset_minutes"].is_number_integer()) co_return bad_request("InvalidField", "'utc_offset_minutes' must be an integer");
    const int64_t offset = body["utc_offset_minutes"].get<int64_t>();
    if (!valid_utc_offset_minutes(offset)) co_return bad_request("InvalidUtcOffset", "utc offset must be within +-14 hours");
    zone = TimeZone::fixed(static_cast<int>(offset));
  }
  if (body.contains("time_zone")) {
    if (body.contains("utc_offset_minutes"))
      co_return bad_request("InvalidField", "give 'utc_offset_minutes' or 'time_zone', not both");
    if (!body["time_zone"].is_string() || body["time_zone"].get<std::string>().size() > 64)
      co_return bad_request("InvalidField", "'time_zone' must be an IANA time zone name such as \"America/New_York\"");
    const std::string name = body["time_zone"].get<std::string>();
    auto rules = ports_.zones ? ports_.zones->find(name) : nullptr;
    if (!rules)
      co_return bad_request("UnknownTimeZone", fmt::format("unknown time zone '{}' (an IANA name such as America/New_York)", name));
    zone = TimeZone::named(name, std::move(rules));
  }
  std::string email = body.value("email", "");

  auto tenant = co_await tenants_->onboard(tenant_id, tier, std::move(zone));
  if (!tenant.ok()) co_return tenant.take_error();
  Attributes attrs{{"custom:tenant_id", tenant->id}, {"custom:subscription_tier", tenant->tier}};
  if (!email.empty()) attrs["email"] = email;
  auto sub = co_await ports_.identity.sign_up(tenant->client_id, username, password, attrs);
  if (!sub.ok()) {
    // No user was created: give the id back, so that the same registration can be sent again.
    Tenant partial = *tenant;
    co_await tenants_->release(std::move(partial));
    co_return sub.take_error();
  }
  if (admin) {
    std::string admins = tenant->id + "-admins";
    auto st = co_await ports_.identity.admin_add_user_to_group(tenant->pool_id, username, std::move(admins));
    if (!st.ok()) co_return st.take_error();
  }
  co_return Json{{"tenant_id", tenant->id}, {"username", username}, {"user_sub", *sub},
                 {"subscription_tier", tenant->tier}, {"deployment", deployment_name(tenant->deployment)},
                 {"admin", admin}, {"confirmation_required", true}};
}

Task<Result<Json>> System::confirm_registration(Json body) {
  auto f = fields(body, {{"tenant_id", 63}, {"username", 128}, {"code", 16}});
  if (!f.ok()) co_return f.take_error();
  const std::string &username = (*f)[1], &code = (*f)[2];
  auto t = active_tenant((*f)[0]);
  if (!t) co_return Error::make(ErrorKind::kNotFound, "TenantNotFound", "no such tenant");
  auto st = co_await ports_.identity.confirm_sign_up(t->client_id, username, code);
  if (!st.ok()) co_return st.take_error();
  co_return Json{{"confirmed", true}, {"username", username}, {"tenant_id", t->id}};
}

Task<Result<Json>> System::login(Json body) {
  auto f = fields(body, {{"tenant_id", 63}, {"username", 128}, {"password", 256}});
  if (!f.ok()) co_return f.take_error();
  const std::string &username = (*f)[1], &password = (*f)[2];
  auto t = active_tenant((*f)[0]);
  if (!t) co_return Error::make(ErrorKind::kUnauthorized, "NotAuthorizedException", "Incorrect username or password.");
  auto tokens = co_await ports_.identity.initiate_auth_password(t->client_id, username, password);
  if (!tokens.ok()) co_return tokens.take_error();
  // A pooled user pool holds every pooled tenant's users: the user must belong to the tenant asked
  // for. The ID token the pool just issued says whose user it is, so no second call to the pool.
  const auto claims = unverified_claims(tokens->id_token);
  if (!claims || claims->value("custom:tenant_id", "") != t->id)
    co_return Error::make(ErrorKind::kUnauthorized, "NotAuthorizedException", "Incorrect username or password.");
  co_return tokens_json(*tokens, true);
}

Task<Result<Json>> System::refresh(Json body) {
  auto f = fields(body, {{"tenant_id", 63}, {"refresh_token", 4096}});
  if (!f.ok()) co_return f.take_error();
  auto t = active_tenant((*f)[0]);
  if (!t) co_return Error::make(ErrorKind::kUnauthorized, "NotAuthorizedException", "Invalid Refresh Token");
  auto tokens = co_await ports_.identity.initiate_auth_refresh(t->client_id, (*f)[1]);
  if (!tokens.ok()) co_return tokens.take_error();
  co_return tokens_json(*tokens, false);
}

// ---------------------------------------------------------------- sessions

Task<Result<Json>> System::create_session(std::string token) {
  auto c = co_await authenticate(std::move(token));
  if (!c.ok()) co_return c.take_error();
  auto sessions = sessions_table(c->tenant);
  auto usage = usage_table(c->tenant);
  if (!sessions.ok()) co_return sessions.take_error();
  if (!usage.ok()) co_return usage.take_error();
  const Time now = ports_.clock.now();
  const Duration duration = config_.defects.on(Defect::kSessionDurationHardcoded)
                                ? Duration{std::chrono::minutes(30)}
                                : Duration{c->tier->session_duration};
  const Time expires = now + duration;
  const std::string sid = new_uuid();
  auto slot = co_await quotas_->acquire_session_slot(**usage, c->tenant, *c->tier, c->principal.sub, sid, expires);
  if (!slot.ok()) co_return slot.take_error();
  const std::string key = session_key(c->tenant.id, c->principal.sub, sid);
  Item session{{"tenant_id", c->tenant.id}, {"session_key", key}, {"session_id", sid}, {"user_id", c->principal.sub},
               {"subscription_tier", c->tier->name}, {"created_at", to_iso8601(now)}, {"last_activity", to_iso8601(now)},
               {"expires_at", expires.time_since_epoch().count()}, {"message_count", int64_t{0}},
               {"slot", int64_t{*slot}}, {"status", std::string("active")}};
  Condition fresh = Condition::not_exists("session_key");
  auto st = co_await (*sessions)->put_item(std::move(session), std::move(fresh));
  if (!st.ok()) {
    // If this release fails too, the slot stays leased until it expires; the caller sees the
    // failure, and a failed create is one a client must assume may hold a slot.
    (void)co_await quotas_->release_session_slot(**usage, c->tenant, c->principal.sub, sid, *slot);
    co_return st.take_error();
  }
  co_return Json{{"tenant_id", c->tenant.id}, {"user_id", c->principal.sub}, {"session_id", sid},
                 {"subscription_tier", c->tier->name}, {"created_at", to_iso8601(now)}, {"expires_at", to_iso8601(expires)}};
}

Task<Result<Json>> System::close_session(std::string token, std::string session_id) {
  auto c = co_await authenticate(std::move(token));
  if (!c.ok()) co_return c.take_error();
  auto sessions = sessions_table(c->tenant);
  auto usage = usage_table(c->tenant);
  if (!sessions.ok()) co_return sessions.take_error();
  if (!usage.ok()) co_return usage.take_error();
  const std::string key = session_key(c->tenant.id, c->principal.sub, session_id);
  Key skey{c->tenant.id, key};
  auto item = co_await (*sessions)->get_item(skey);
  if (!item.ok()) co_return item.take_error();
  if (!item.value()) co_return Error::make(ErrorKind::kNotFound, "SessionNotFound", "Session not found");
  Update close;
  close.set("status", std::string("closed"));
  auto st = co_await (*sessions)->update_item(skey, std::move(close));
  if (!st.ok()) co_return st.take_error();
  // Closed first, slot second: a session that is closed but still holds its slot only under-grants,
  // while a freed slot under a still-active session would let the user exceed the limit. A close
  // whose release failed answers 503, and closing again (idempotent) finishes the job.
  auto released = co_await quotas_->release_session_slot(**usage, c->tenant, c->principal.sub, session_id,
                                                         static_cast<int>(get_number(**item, "slot").value_or(-1)));
  if (!released.ok())
    co_return Error::make(ErrorKind::kUnavailable, "SessionSlotNotReleased",
                          fmt::format("session {} is closed but its concurrent-session slot could not be freed ({}); "
                                      "close it again",
                                      session_id, released.error().name));
  co_return Json{{"session_id", session_id}, {"status", "closed"}};
}

Task<Result<Json>> System::list_sessions(std::string token, std::string tenant_id) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  auto list = co_await session_list(c.value());
  if (!list.ok()) co_return list.take_error();
  co_return Json{{"tenant_id", c->tenant.id}, {"sessions", std::move(list).value()}};
}

Task<Result<Json>> System::session_list(const Caller& c, bool own_only) {
  auto sessions = sessions_table(c.tenant);
  if (!sessions.ok()) co_return sessions.take_error();
  const bool admin = c.principal.is_admin_of(c.tenant.id) && !own_only;
  QueryRequest q;
  q.partition = c.tenant.id;
  // The caller's own sessions are one key range (the key leads with tenant and user), so reading
  // them costs what the caller has, not what the whole tenant has.
  std::string prefix = own_only ? session_key(c.tenant.id, c.principal.sub, "") : c.tenant.id + "-";
  q.sort = SortKeyCondition{SortKeyCondition::Op::kBeginsWith, std::move(prefix), ""};
  Json list = Json::array();
  for (;;) {
    auto page = co_await (*sessions)->query(q);
    if (!page.ok()) co_return page.take_error();
    for (const auto& item : page->items) {
      const auto* user = get_string(item, "user_id");
      if (!user || (!admin && *user != c.principal.sub)) continue;  // users see their own sessions
      list.push_back({{"session_id", *get_string(item, "session_id")}, {"user_id", *user},
                      {"subscription_tier", *get_string(item, "subscription_tier")},
                      {"created_at", *get_string(item, "created_at")},
                      {"message_count", get_number(item, "message_count").value_or(0)},
                      {"status", *get_string(item, "status")}});
    }
    if (!page->last_evaluated_key) break;
    q.exclusive_start_key = page->last_evaluated_key;
  }
  co_return list;
}

// ---------------------------------------------------------------- chat

Task<Result<Json>> System::chat(std::string token, Json body) {
  auto auth = co_await authenticate(std::move(token));
  if (!auth.ok()) co_return auth.take_error();
  Caller c = std::move(auth).value();
  auto message = field(body, "message", 32 * 1024);
  if (!message.ok()) co_return message.take_error();
  if (!body.contains("tenant_context") || !body["tenant_context"].is_object())
    co_return bad_request("MissingField", "'tenant_context' is required");
  const Json& ctx = body["tenant_context"];
  auto ids = fields(ctx, {{"tenant_id", 63}, {"user_id", 128}, {"session_id", 64}});
  if (!ids.ok()) co_return ids.take_error();
  const std::string &tenant_id = (*ids)[0], &user_id = (*ids)[1], &session_id = (*ids)[2];

  if (config_.defects.on(Defect::kTenantFromRequest)) {
    if (auto other = tenants_->find(tenant_id)) c.tenant = *other;  // the defect: trusts the body
  } else if (tenant_id != c.tenant.id) {
    co_return forbidden("TenantMismatch", "Tenant mismatch");
  }
  if (user_id != c.principal.sub) {
    if (!config_.defects.on(Defect::kUserFromRequest)) co_return forbidden("UserMismatch", "User mismatch");
    c.principal.sub = user_id;  // the defect: trusts the body's user
  }
  co_return co_await run_turn(std::move(c), std::move(message).value(), session_id, false);
}

Task<Result<Json>> System::run_turn(Caller c, std::string message, std::string session_id, bool with_trace) {
  const std::string& user_id = c.principal.sub;

  auto sessions = sessions_table(c.tenant);
  auto usage = usage_table(c.tenant);
  if (!sessions.ok()) co_return sessions.take_error();
  if (!usage.ok()) co_return usage.take_error();
  const Key session_item{c.tenant.id, session_key(c.tenant.id, user_id, session_id)};
  auto session = co_await (*sessions)->get_item(session_item);
  if (!session.ok()) co_return session.take_error();
  if (!session.value() || *get_string(**session, "status") != "active")
    co_return Error::make(ErrorKind::kNotFound, "SessionNotFound", "Session not found");
  const Time now = ports_.clock.now();
  const Time expires{Duration{get_number(**session, "expires_at").value_or(0)}};
  if (now >= expires && !config_.defects.on(Defect::kSessionDurationIgnored))
    co_return Error::make(ErrorKind::kConflict, "SessionExpired",
                          fmt::format("session exceeded the {} tier's session duration", c.tier->name));

  auto reservation = co_await quotas_->reserve_message(**usage, c.tenant, *c.tier, user_id);
  if (!reservation.ok()) co_return reservation.take_error();

  // Conversation memory: the last turns of this session, under actor id {tenant}:{sub} (seed 004).
  // The defect keys it by username, which is unique only inside one user pool.
  const std::string actor = config_.defects.on(Defect::kMemoryActorWithoutTenant)
                                ? c.principal.username
                                : config_.defects.on(Defect::kMemoryActorWithoutUser) ? c.tenant.id
                                                                                      : c.tenant.id + ":" + c.principal.sub;
  const std::string memory_prefix = fmt::format("m#{}#{}#", actor, session_id);
  QueryRequest mq;
  mq.partition = c.tenant.id;
  mq.sort = SortKeyCondition{SortKeyCondition::Op::kBeginsWith, memory_prefix, ""};
  mq.scan_forward = false;
  mq.limit = static_cast<int>(2 * config_.memory_turns);
  auto memory = co_await (*sessions)->query(mq);
  if (!memory.ok()) {
    co_await quotas_->release(**usage, std::move(reservation).value());
    co_return memory.take_error();
  }
  std::vector<ChatMessage> history;
  for (auto it = memory->items.rbegin(); it != memory->items.rend(); ++it) {
    const auto* role = get_string(*it, "role");
    const auto* text = get_string(*it, "text");
    if (!role || !text) continue;
    history.push_back(ChatMessage{*role == "user" ? ChatMessage::Role::kUser : ChatMessage::Role::kAssistant, *text,
                                  std::nullopt, std::nullopt});
  }
  if (!history.empty() && history.front().role == ChatMessage::Role::kAssistant) history.erase(history.begin());

  // Long-term memory: what this actor said in earlier sessions, from the platform's memory store,
  // through a handle scoped to the actor's namespace. Best effort: the chat goes on without it.
  auto long_term = open_scoped(config_.platform.memory_table, actor);
  std::string remembered;
  if (long_term.ok()) {
    QueryRequest fq;
    fq.partition = actor;
    fq.scan_forward = false;
    fq.limit = 3;
    auto facts = co_await (*long_term)->query(std::move(fq));
    if (facts.ok())
      for (const auto& f : facts->items)
        if (const auto* text = get_string(f, "text")) remembered += *text + " / ";
  }

  const std::string request_id = new_id("req");
  const std::string billed_user = config_.defects.on(Defect::kUsageUserIsUsername) ? c.principal.username : user_id;
  TurnContext turn_ctx{&c.tenant, c.tier, billed_user, session_id, request_id, remembered};
  AgentTurn turn = co_await agent_->run(turn_ctx, std::move(history), message);

  // Meter what was consumed, whether or not the turn succeeded.
  if (config_.defects.on(Defect::kUsageBilledToWrongTenant)) {
    for (const auto& other : tenants_->all()) {
      if (other.id != c.tenant.id && other.active) {
        for (auto& r : turn.usage) r.tenant_id = other.id;
        break;
      }
    }
  }
  co_await metering_->record(turn.usage);
  if (turn.error) {
    if (turn.input_tokens == 0) co_await quotas_->release(**usage, std::move(reservation).value());
    Error e = *turn.error;
    if (e.kind == ErrorKind::kBadRequest) e.kind = ErrorKind::kUnavailable;  // our request to the model, not the caller's
    co_return e;
  }

  // Remember the turn and count the message. The answer is already paid for, so a failure here
  // is reported but does not undo the metering.
  // Turns are keyed by time and request id, not by the session's message count read before the
  // model call: two chats in flight in one session would both read the same count and overwrite
  // each other's turns.
  const std::string ts = to_iso8601(now);
  const std::string turn_key = fmt::format("{}{}#{}#", memory_prefix, ts, request_id);
  std::vector<WriteRequest> writes;
  writes.push_back(WriteRequest{WriteRequest::Kind::kPut,
                                Item{{"tenant_id", c.tenant.id}, {"session_key", turn_key + "a"},
                                     {"role", std::string("user")}, {"text", message}, {"timestamp", ts}},
                                {}});
  writes.push_back(WriteRequest{WriteRequest::Kind::kPut,
                                Item{{"tenant_id", c.tenant.id}, {"session_key", turn_key + "b"},
                                     {"role", std::string("assistant")}, {"text", turn.text}, {"timestamp", ts}},
                                {}});
  auto saved = co_await (*sessions)->batch_write(std::move(writes));
  Update count;
  count.add("message_count", 1).set("last_activity", ts);
  if (config_.defects.on(Defect::kSessionExpirySliding))
    count.set("expires_at", (now + c.tier->session_duration).time_since_epoch().count());
  auto counted = co_await (*sessions)->update_item(session_item, std::move(count));
  if (!saved.ok()) co_return saved.take_error();
  if (!counted.ok()) co_return counted.take_error();
  if (long_term.ok()) {
    Item fact{{"actor_id", actor}, {"sk", ts + "#" + request_id}, {"text", message.substr(0, 200)}};
    (void)co_await (*long_term)->put_item(std::move(fact), std::nullopt);
  }

  Json out{{"response", turn.text},
                 {"session_id", session_id},
                 {"tenant_id", c.tenant.id},
                 {"request_id", request_id},
                 {"usage_metrics", {{"input_tokens", turn.input_tokens},
                                    {"output_tokens", turn.output_tokens},
                                    {"model_id", c.tier->model_id},
                                    {"tools_used", turn.tools_used},
                                    {"tools_refused", turn.tools_refused}}}};
  if (with_trace) out["trace"] = std::move(turn.trace);
  co_return out;
}

// ---------------------------------------------------------------- the agent runtime and the gateway

Task<Result<Json>> System::call_tool(const Caller& c, std::string tool, ToolInput input) {
  std::vector<UsageRecord> usage;
  TurnContext ctx{&c.tenant, c.tier, c.principal.sub, "", new_id("req"), ""};
  ToolCall call = co_await gateway_->invoke(ctx, std::move(tool), std::move(input), ports_.clock, &usage);
  co_await metering_->record(std::move(usage));  // what ran is billed, whatever the outcome
  co_return std::move(call.result);
}

Task<Result<Json>> System::invoke_runtime(std::string token, std::string runtime_session_id, Json body) {
  if (!body.is_object()) co_return bad_request("InvalidBody", "request body must be a JSON object");
  auto prompt = field(body, "prompt", 32 * 1024);
  if (!prompt.ok()) co_return prompt.take_error();
  if (runtime_session_id.empty() && body.contains("runtimeSessionId") && body["runtimeSessionId"].is_string())
    runtime_session_id = body["runtimeSessionId"].get<std::string>();
  // AgentCore's own validation, before the authorizer: a short id is guessable, which is the point.
  const bool length_ok = runtime_session_id.size() >= 33 && runtime_session_id.size() <= 256;
  if (!length_ok && !config_.defects.on(Defect::kRuntimeSessionIdShort))
    co_return bad_request("ValidationException", "runtimeSessionId must be 33 to 256 characters");
  const Json attrs = body.value("sessionAttributes", Json::object());
  if (!attrs.is_object()) co_return bad_request("InvalidField", "'sessionAttributes' must be an object of strings");
  for (const auto& [k, v] : attrs.items())
    if (!v.is_string()) co_return bad_request("InvalidField", "'sessionAttributes' must be an object of strings");
  if (body.contains("enableTrace") && !body["enableTrace"].is_boolean())
    co_return bad_request("InvalidField", "'enableTrace' must be a boolean");
  const bool trace = body.value("enableTrace", false);
  const std::string attr_tenant = attrs.value("tenant_id", ""), attr_user = attrs.value("user_id", "");

  // The inbound authorizer: the token is verified (pool JWKS, app client, expiry) whatever the
  // attributes say; they are the caller's own words and never name who the caller is.
  auto auth = co_await authenticate(std::move(token));
  std::optional<Caller> caller;
  if (auth.ok()) {
    caller = std::move(auth).value();
    if (!attr_tenant.empty() && attr_tenant != caller->tenant.id)
      co_return forbidden("TenantMismatch", "sessionAttributes name another tenant than the token");
    if (!attr_user.empty() && attr_user != caller->principal.sub)
      co_return forbidden("UserMismatch", "sessionAttributes name another user than the token");
  } else if (config_.defects.on(Defect::kRuntimeTrustsSessionAttributes) && !attr_tenant.empty()) {
    auto t = active_tenant(attr_tenant);  // the defect: whoever the attributes say
    const TierPolicy* tier = t ? config_.tiers.find(t->tier) : nullptr;
    if (!tier) co_return auth.take_error();
    Principal p;
    p.sub = attr_user;
    p.tenant_id = t->id;
    caller = Caller{std::move(p), std::move(*t), tier};
  } else {
    co_return auth.take_error();
  }
  auto out = co_await run_turn(std::move(*caller), std::move(prompt).value(), runtime_session_id, trace);
  if (out.ok()) (*out)["runtime_session_id"] = runtime_session_id;
  co_return out;
}

Task<Result<Json>> System::gateway_mcp(std::string token, Json body) {
  // The gateway validates the token again, as its own layer: an audience check skipped here would
  // let a token minted for another app client call tools (the defect).
  TokenVerifier::Checks checks;
  checks.audience = !config_.defects.on(Defect::kGatewaySkipsAudience);
  auto c = co_await authenticate(std::move(token), checks);
  if (!c.ok()) co_return c.take_error();
  if (!body.is_object() || body.value("jsonrpc", "") != "2.0" || !body.contains("method") || !body["method"].is_string())
    co_return bad_request("InvalidRequest", "a JSON-RPC 2.0 request needs jsonrpc \"2.0\" and a method");
  const std::string method = body["method"].get<std::string>();
  const Json id = body.value("id", Json());
  const Json params = body.value("params", Json::object());
  if (method == "tools/list") {
    Json tools = Json::array();
    for (const auto& t : gateway_->offered(*c->tier)) {
      const char* arg = gateway_->is_weather_tool(t.name) ? "city" : "query";
      Json schema = {{"type", "object"}, {"required", Json::array({arg})}};
      schema["properties"][arg] = {{"type", "string"}};
      tools.push_back({{"name", t.name}, {"description", t.description}, {"inputSchema", std::move(schema)}});
    }
    co_return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", {{"tools", tools}}}};
  }
  if (method != "tools/call") co_return Error::make(ErrorKind::kNotFound, "MethodNotFound", "no such method: " + method);
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string())
    co_return bad_request("InvalidParams", "tools/call needs params.name");
  ToolInput input;
  const Json args = params.value("arguments", Json::object());
  if (!args.is_object()) co_return bad_request("InvalidParams", "params.arguments must be an object");
  for (const auto& [k, v] : args.items()) {
    if (!v.is_string()) co_return bad_request("InvalidParams", "tool arguments must be strings");
    input[k] = v.get<std::string>();
  }
  auto result = co_await call_tool(c.value(), params["name"].get<std::string>(), std::move(input));
  if (!result.ok()) co_return result.take_error();
  Json content = Json::array({{{"type", "text"}, {"text", result->dump()}}});
  co_return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", {{"content", content}, {"isError", false}}}};
}

// ---------------------------------------------------------------- usage and tier

Task<Result<Json>> System::usage(std::string token, std::string tenant_id) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  auto table = usage_table(c->tenant);
  if (!table.ok()) co_return table.take_error();
  // The tenant's local month, as its quota windows count it; usage keys are UTC times.
  const Time now = ports_.clock.now();
  const TimeZone& zone = c->tenant.zone;
  const std::string month = month_key(now, zone);
  const Period period{month_start(now, zone), next_month_start(now, zone)};
  auto costs = co_await summarize_costs(**table, c->tenant.id, period, config_.prices, zone);
  if (!costs.ok()) co_return costs.take_error();
  Json metrics = Json::object();
  for (const auto& [k, line] : costs->lines) metrics[line.metric_type] = metrics.value(line.metric_type, int64_t{0}) + line.quantity;
  // total_messages and sessions: the sample frontend's names (messages this month in the scope the
  // tier limits; sessions the caller can list).
  auto counts = co_await quotas_->counts(**table, c->tenant, *c->tier, c->principal.sub);
  if (!counts.ok()) co_return counts.take_error();
  auto sessions = co_await session_list(c.value());
  if (!sessions.ok()) co_return sessions.take_error();
  co_return Json{{"tenant_id", c->tenant.id}, {"period", month}, {"metrics", metrics}, {"records", costs->records},
                 {"total_messages", counts->monthly_messages}, {"sessions", sessions->size()}};
}

Task<Result<Json>> System::subscription(std::string token, std::string tenant_id) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  auto table = usage_table(c->tenant);
  if (!table.ok()) co_return table.take_error();
  auto counts = co_await quotas_->counts(**table, c->tenant, *c->tier, c->principal.sub);
  if (!counts.ok()) co_return counts.take_error();
  auto sessions = co_await session_list(c.value(), true);
  if (!sessions.ok()) co_return sessions.take_error();
  int64_t active = 0;
  for (const auto& s : *sessions) active += s.value("status", "") == "active";
  const TierPolicy& t = *c->tier;
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(t.session_duration).count();
  // Beside our names, the sample frontend's (max_session_duration, mcp_server_access, daily_usage,
  // monthly_usage, active_sessions), with the JSON types its page reads.
  co_return Json{
      {"tenant_id", c->tenant.id},
      {"subscription_tier", t.name},
      {"limits", {{"daily_messages", t.daily_messages}, {"monthly_messages", t.monthly_messages},
                  {"concurrent_sessions", t.concurrent_sessions},
                  {"session_duration_minutes", minutes}, {"max_session_duration", minutes},
                  {"weather_tools", t.tools}, {"mcp_server_access", !t.tools.empty()}, {"cost_reports", t.cost_reports},
                  {"message_limit_scope", t.message_limit_scope == LimitScope::kUser ? "user" : "tenant"}}},
      {"current_usage", {{"daily_messages", counts->daily_messages}, {"monthly_messages", counts->monthly_messages},
                         {"daily_usage", counts->daily_messages}, {"monthly_usage", counts->monthly_messages},
                         {"active_sessions", active}, {"day", counts->day}, {"month", counts->month}}},
      {"limit_status", {{"daily_limit_exceeded", t.daily_messages > 0 && counts->daily_messages >= t.daily_messages},
                        {"monthly_limit_exceeded", t.monthly_messages > 0 && counts->monthly_messages >= t.monthly_messages}}}};
}

// ---------------------------------------------------------------- costs

std::optional<Period> System::period_of(CostWindow window) const {
  if (!window.days) return std::nullopt;
  const Time now = ports_.clock.now();
  return Period{now - std::chrono::hours(24) * *window.days, now + Duration(1)};
}

Task<Result<Json>> System::cost_json(const Caller& c, std::string user_filter, CostWindow window) {
  auto table = usage_table(c.tenant);
  if (!table.ok()) co_return table.take_error();
  const auto period = period_of(window);
  auto s = co_await summarize_costs(**table, c.tenant.id, period, config_.prices, c.tenant.zone);
  if (!s.ok()) co_return s.take_error();
  Json services = Json::object();
  Json users = Json::object();
  if (user_filter.empty()) {
    for (const auto& [k, v] : s->by_service) services[k] = money_json(v);
    for (const auto& [k, v] : s->by_user) users[k] = money_json(v);
    Json out{{"tenant_id", c.tenant.id}, {"price_catalog", config_.prices.name()}, {"total", money_json(s->total)},
             {"by_service", services}, {"by_user", users}, {"records", s->records}};
    sample_fields::tenant_costs(out, *s);
    co_return out;
  }
  Money total;
  auto it = s->by_user_service.find(user_filter);
  if (it != s->by_user_service.end())
    for (const auto& [k, v] : it->second) {
      services[k] = money_json(v);
      total += v;
    }
  Json out{{"tenant_id", c.tenant.id}, {"user_id", user_filter}, {"price_catalog", config_.prices.name()},
           {"total", money_json(total)}, {"by_service", services}};
  sample_fields::user_costs(out, *s, user_filter);
  co_return out;
}

Task<Result<Json>> System::tenant_costs(std::string token, std::string tenant_id, CostWindow window) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  // Tenant-wide costs are for the tenant's admins; a user gets their own.
  const bool admin = c->principal.is_admin_of(c->tenant.id) || config_.defects.on(Defect::kCostEndpointOpen);
  std::string filter = admin ? std::string() : c->principal.sub;  // no ?: inside co_await (GCC 12)
  co_return co_await cost_json(c.value(), std::move(filter), window);
}

Task<Result<Json>> System::user_costs(std::string token, std::string tenant_id, std::string user_id,
                                      CostWindow window) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  if (user_id != c->principal.sub && !c->principal.is_admin_of(c->tenant.id) &&
      !config_.defects.on(Defect::kCostEndpointOpen))
    co_return forbidden("NotAdmin", "only the tenant's admins see other users' costs");
  co_return co_await cost_json(c.value(), user_id, window);
}

Task<Result<Json>> System::admin_cost_report(std::string token, std::string tenant_id, std::string report,
                                             CostWindow window) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  if (!config_.defects.on(Defect::kCostEndpointOpen)) {
    if (!c->principal.is_admin_of(c->tenant.id)) co_return forbidden("NotAdmin", "Admin access required");
    if (!c->tier->cost_reports && !config_.defects.on(Defect::kCostReportsNotGated))
      co_return forbidden("FeatureNotInTier", "cost reports are not part of the " + c->tier->name + " tier");
  }
  auto table = usage_table(c->tenant);
  if (!table.ok()) co_return table.take_error();
  const auto period = period_of(window);
  auto s = co_await summarize_costs(**table, c->tenant.id, period, config_.prices, c->tenant.zone);
  if (!s.ok()) co_return s.take_error();
  Json out = {{"tenant_id", c->tenant.id}, {"report", report}, {"price_catalog", config_.prices.name()}};
  auto services = [&] {
    Json j = Json::object();
    for (const auto& [k, v] : s->by_service) j[k] = money_json(v);
    return j;
  };
  auto users = [&] {
    Json j = Json::object();
    for (const auto& [k, v] : s->by_user) j[k] = money_json(v);
    return j;
  };
  auto days = [&] {
    Json j = Json::object();
    for (const auto& [k, v] : s->by_day) j[k] = money_json(v);
    return j;
  };
  if (report == "overall-cost") {
    out["total"] = money_json(s->total);
    out["by_service"] = services();
    sample_fields::overall_cost(out, *s);
  } else if (report == "per-user-cost") {
    out["by_user"] = users();
    sample_fields::per_user_cost(out, *s);
  } else if (report == "service-wise-cost") {
    out["by_service"] = services();
    out["by_day"] = days();
    sample_fields::service_wise_cost(out, *s);
  } else if (report == "comprehensive-report") {
    sample_fields::comprehensive_report(out, *s);
    out["total"] = money_json(s->total);
    out["by_service"] = services();
    out["by_user"] = users();
    out["by_day"] = days();
    Json lines = Json::array();
    for (const auto& [k, l] : s->lines)
      lines.push_back({{"metric_type", l.metric_type}, {"model_id", l.model_id}, {"quantity", l.quantity}, {"cost", money_json(l.cost)}});
    out["lines"] = lines;
  } else {
    co_return Error::make(ErrorKind::kNotFound, "UnknownReport", "no such cost report: " + report);
  }
  co_return out;
}

Task<Result<Json>> System::admin_user_service_cost(std::string token, std::string tenant_id, std::string user_id,
                                                   CostWindow window) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  if (!config_.defects.on(Defect::kCostEndpointOpen)) {
    if (!c->principal.is_admin_of(c->tenant.id)) co_return forbidden("NotAdmin", "Admin access required");
    if (!c->tier->cost_reports && !config_.defects.on(Defect::kCostReportsNotGated))
      co_return forbidden("FeatureNotInTier", "cost reports are not part of the " + c->tier->name + " tier");
  }
  co_return co_await cost_json(c.value(), user_id, window);
}

// ---------------------------------------------------------------- tools

Task<Result<Json>> System::weather_tools(std::string token) {
  auto c = co_await authenticate(std::move(token));
  if (!c.ok()) co_return c.take_error();
  Json tools = Json::array();
  Json names = Json::array();
  for (const auto& t : gateway_->offered(*c->tier)) {
    if (!gateway_->is_weather_tool(t.name)) continue;  // seed 000's MCP weather server lists only its own
    tools.push_back({{"name", t.name}, {"description", t.description}});
    names.push_back(t.name);
  }
  co_return Json{{"subscription_tier", c->tier->name}, {"weather_tools", tools}, {"available_tools", names}};
}

Task<Result<Json>> System::run_weather_tool(std::string token, std::string tool, Json body) {
  auto c = co_await authenticate(std::move(token));
  if (!c.ok()) co_return c.take_error();
  if (!gateway_->is_weather_tool(tool))
    co_return Error::make(ErrorKind::kNotFound, "UnknownTool", "no such weather tool: " + tool);
  auto city = field(body, "city", 100);
  if (!city.ok()) co_return city.take_error();
  ToolInput input;
  input["city"] = *city;
  auto result = co_await call_tool(c.value(), tool, std::move(input));
  if (!result.ok()) co_return result.take_error();
  co_return Json{{"tool_name", tool}, {"subscription_tier", c->tier->name}, {"result", result.value()}};
}

// ---------------------------------------------------------------- admin

Task<Result<Json>> System::admin_my_tenants(std::string token) {
  auto c = co_await authenticate(std::move(token));
  if (!c.ok()) co_return c.take_error();
  // A user who administers nothing is refused, as the sample's admin dependency does: its page
  // shows the admin panel to whoever gets a 2xx here.
  if (!c->principal.is_admin_of(c->tenant.id)) co_return forbidden("NotAdmin", "Admin access required");
  Json tenants = Json::array();
  tenants.push_back({{"tenant_id", c->tenant.id}, {"subscription_tier", c->tier->name},
                     {"deployment", deployment_name(c->tenant.deployment)}});
  co_return Json{{"tenants", tenants}, {"admin_tenants", Json::array({c->tenant.id})}};
}

Task<Result<Json>> System::admin_add_to_group(std::string token, Json body) {
  auto c = co_await authenticate(std::move(token));
  if (!c.ok()) co_return c.take_error();
  auto username = field(body, "username", 128);
  if (!username.ok()) co_return username.take_error();
  const std::string group = body.value("group", c->tenant.id + "-admins");
  if (!c->principal.is_admin_of(c->tenant.id) && !config_.defects.on(Defect::kAddToGroupWithoutAdmin))
    co_return forbidden("NotAdmin", "Admin access required");
  if (group != c->tenant.id + "-admins") co_return forbidden("ForeignGroup", "admins manage only their tenant's group");
  auto user = co_await ports_.identity.admin_get_user(c->tenant.pool_id, *username);
  if (!user.ok()) co_return user.take_error();
  auto owner = user->attributes.find("custom:tenant_id");
  if (owner == user->attributes.end() || owner->second != c->tenant.id)
    co_return Error::make(ErrorKind::kNotFound, "UserNotFoundException", "User does not exist.");  // no foreign-user oracle
  auto st = co_await ports_.identity.admin_add_user_to_group(c->tenant.pool_id, *username, group);
  if (!st.ok()) co_return st.take_error();
  co_return Json{{"username", *username}, {"group", group}, {"added", true}};
}

Task<Result<Json>> System::admin_create_user(std::string token, std::string tenant_id, Json body) {
  auto c = co_await authenticate_for(std::move(token), tenant_id);
  if (!c.ok()) co_return c.take_error();
  if (!c->principal.is_admin_of(c->tenant.id)) co_return forbidden("NotAdmin", "Admin access required");
  auto f = fields(body, {{"username", 128}, {"password", 256}});
  if (!f.ok()) co_return f.take_error();
  const std::string &username = (*f)[0], &password = (*f)[1];
  Attributes attrs{{"custom:tenant_id", c->tenant.id}, {"custom:subscription_tier", c->tenant.tier}};
  if (body.contains("email") && body["email"].is_string()) attrs["email"] = body["email"].get<std::string>();
  auto sub = co_await ports_.identity.admin_create_user(c->tenant.pool_id, username, password, attrs);
  if (!sub.ok()) co_return sub.take_error();
  co_return Json{{"tenant_id", c->tenant.id}, {"username", username}, {"user_sub", *sub}};
}

}  // namespace tenantsim
