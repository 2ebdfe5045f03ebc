#include "core/api/chat_service.h"

#include <fmt/format.h>

#include "core/api/commands.h"
#include "core/api/request_fields.h"
#include "core/domain/session_key.h"

namespace tenantsim {

namespace {

// The trace as the runtime answers it: per step only the fields its kind (and, for a model call,
// its path: a Bedrock agent or the direct Converse loop) has.
Json trace_json(const std::vector<TraceStep>& trace) {
  Json out = Json::array();
  for (const auto& s : trace) {
    switch (s.kind) {
      case TraceStep::Kind::kModelInvocation:
        if (!s.agent_id.empty())
          out.push_back({{"type", "model_invocation"}, {"round", s.round}, {"model_id", s.model_id},
                         {"agent_id", s.agent_id}, {"input_tokens", s.input_tokens}, {"output_tokens", s.output_tokens}});
        else
          out.push_back({{"type", "model_invocation"}, {"agent", s.agent}, {"round", s.round}, {"model_id", s.model_id},
                         {"stop_reason", s.stop_reason}, {"input_tokens", s.input_tokens},
                         {"output_tokens", s.output_tokens}});
        break;
      case TraceStep::Kind::kToolCall:
        out.push_back({{"type", "tool_call"}, {"round", s.round}, {"tool", s.tool}, {"outcome", s.outcome}, {"error", s.error}});
        break;
      case TraceStep::Kind::kDelegation:
        out.push_back({{"type", "delegation"}, {"agent", s.agent}, {"outcome", s.outcome}});
        break;
    }
  }
  return out;
}

}  // namespace

Task<Result<Json>> ChatService::chat(std::string token, Json body) {
  CO_TRY(Caller c, co_await auth_.caller(std::move(token)));
  CO_TRY(ChatRequest r, parse_chat_request(body));
  const std::string &tenant_id = r.tenant_id, &user_id = r.user_id;

  if (defects_.on(Defect::kTenantFromRequest)) {
    if (auto other = tenants_.find(tenant_id)) c.tenant = *other;  // the defect: trusts the body
  } else if (tenant_id != c.tenant.id) {
    co_return forbidden("TenantMismatch", "Tenant mismatch");
  }
  if (user_id != c.principal.sub) {
    if (!defects_.on(Defect::kUserFromRequest)) co_return forbidden("UserMismatch", "User mismatch");
    c.principal.sub = user_id;  // the defect: trusts the body's user
  }
  co_return co_await run_turn(c, std::move(r.message), r.session_id, false);
}

Task<Result<Json>> ChatService::invoke_runtime(std::string token, std::string runtime_id, std::string runtime_session_id,
                                               Json body) {
  // AgentCore validates the request, the session id's length included, before its authorizer.
  CO_TRY(RuntimeInvocation r,
         parse_runtime_invocation(body, std::move(runtime_session_id), defects_.on(Defect::kRuntimeSessionIdShort)));
  if (!tenants_.runtime_exists(runtime_id))
    co_return Error::make(ErrorKind::kNotFound, "ResourceNotFoundException", "no agent runtime " + runtime_id);
  const std::string &attr_tenant = r.attribute_tenant, &attr_user = r.attribute_user;

  // The inbound authorizer: the token is verified (pool JWKS, app client, expiry) whatever the
  // attributes say; they are the caller's own words and never name who the caller is.
  auto auth = co_await auth_.caller(std::move(token));
  std::optional<Caller> caller;
  if (auth.ok()) {
    caller = std::move(auth).value();
    // Each runtime's authorizer trusts the user pool of the tenants it is deployed for: a silo
    // tenant's runtime its own pool, the pooled runtime the pooled one.
    if (caller->tenant.runtime_id != runtime_id && !defects_.on(Defect::kRuntimeSharedAcrossSilos))
      co_return Error::make(ErrorKind::kUnauthorized, "RuntimeNotForTenant",
                            "the runtime's authorizer does not accept tokens of this tenant's user pool");
    if (!attr_tenant.empty() && attr_tenant != caller->tenant.id)
      co_return forbidden("TenantMismatch", "sessionAttributes name another tenant than the token");
    if (!attr_user.empty() && attr_user != caller->principal.sub)
      co_return forbidden("UserMismatch", "sessionAttributes name another user than the token");
  } else if (defects_.on(Defect::kRuntimeTrustsSessionAttributes) && !attr_tenant.empty()) {
    caller = auth_.believed_caller(attr_tenant, attr_user);  // the defect: whoever the attributes say
    if (!caller) co_return auth.take_error();
  } else {
    co_return auth.take_error();
  }
  // From here the invocation runs in the runtime's microVM, which is billed whatever the answer.
  const Time started = clock_.now();
  auto out = co_await run_turn(*caller, std::move(r.prompt), r.runtime_session_id, r.trace);
  co_await meter_runtime(*caller, r.runtime_session_id, started);
  if (out.ok()) (*out)["runtime_session_id"] = r.runtime_session_id;
  co_return out;
}

void ChatService::emit_consumption(const Caller& c, const std::string& request_id, const std::vector<TraceStep>& trace) {
  if (!consumption_) return;
  for (const auto& step : trace) {
    if (step.kind != TraceStep::Kind::kModelInvocation) continue;
    ConsumptionEvent e;
    e.tenant_id = c.tenant.id;
    e.tier = c.tier->name;
    e.agent = step.agent_id.empty() ? step.agent : step.agent_id;
    // The defect: a sub-agent's calls go out without the tenant context the orchestrator had.
    if (defects_.on(Defect::kConsumptionSubAgentsUntagged) && step.agent_id.empty() && step.agent != kAssistantAgent)
      e.tenant_id.clear();
    e.model_id = step.model_id;
    e.user_id = c.principal.sub;
    e.request_id = request_id;
    e.region = settings_.region;
    e.input_tokens = step.input_tokens;
    e.output_tokens = step.output_tokens;
    e.timestamp = clock_.now();
    consumption_->emit(std::move(e));
  }
}

Task<void> ChatService::meter_runtime(const Caller& c, const std::string& runtime_session_id, Time started) {
  // AgentCore bills by the second with a 1-second minimum: memory for the whole invocation, CPU
  // only while it computes. The simulated agent's own work takes no virtual time (its model and
  // tool calls are I/O wait, which is not billed as CPU), so CPU is the minimum.
  const int64_t micros = (clock_.now() - started).count();
  int64_t seconds = std::max<int64_t>(1, (micros + 999'999) / 1'000'000);
  if (defects_.on(Defect::kRuntimeBilledAtMinimum)) seconds = 1;
  TurnContext ctx{&c.tenant, c.tier, c.principal.sub, runtime_session_id, ids_.id("rt"), ""};
  std::vector<UsageRecord> usage;
  UsageMeter meter(ctx, clock_, &usage);
  meter.add(metric::kRuntimeVcpuSeconds, settings_.runtime_size.vcpus, "", 0);
  meter.add(metric::kRuntimeMemoryMbSeconds, settings_.runtime_size.memory_mb * seconds, "", 0);
  co_await metering_.record(std::move(usage));
}

Task<Result<Json>> ChatService::run_turn(const Caller& c, std::string message, std::string session_id, bool with_trace) {
  const std::string& user_id = c.principal.sub;

  CO_TRY(auto sessions, tables_.sessions(c.tenant));
  CO_TRY(auto usage, tables_.usage(c.tenant));
  const Key session_item{c.tenant.id, session_key(c.tenant.id, user_id, session_id)};
  CO_TRY(std::optional<Item> session, co_await sessions->get_item(session_item));
  if (!session || *get_string(*session, "status") != "active")
    co_return Error::make(ErrorKind::kNotFound, "SessionNotFound", "Session not found");
  const Time now = clock_.now();
  const Time expires{Duration{get_number(*session, "expires_at").value_or(0)}};
  if (now >= expires && !defects_.on(Defect::kSessionDurationIgnored))
    co_return Error::make(ErrorKind::kConflict, "SessionExpired",
                          fmt::format("session exceeded the {} tier's session duration", c.tier->name));

  CO_TRY(MessageReservation reservation, co_await quotas_.reserve_message(*usage, c.tenant, *c.tier, user_id));

  // Conversation memory: the last turns of this session, under actor id {tenant}:{sub} (seed 004).
  // The defect keys it by username, which is unique only inside one user pool.
  const std::string actor = defects_.on(Defect::kMemoryActorWithoutTenant) ? c.principal.username
                            : defects_.on(Defect::kMemoryActorWithoutUser)  ? c.tenant.id
                                                                            : c.tenant.id + ":" + c.principal.sub;
  const std::string memory_prefix = fmt::format("m#{}#{}#", actor, session_id);
  QueryRequest mq;
  mq.partition = c.tenant.id;
  mq.sort = SortKeyCondition{SortKeyCondition::Op::kBeginsWith, memory_prefix, ""};
  mq.scan_forward = false;
  mq.limit = static_cast<int>(2 * settings_.memory_turns);
  auto memory = co_await sessions->query(mq);
  if (!memory.ok()) {
    co_await quotas_.release(*usage, std::move(reservation));
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
  auto long_term = tables_.scoped(settings_.memory_table, actor);
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

  const std::string request_id = ids_.id("req");
  const std::string billed_user = defects_.on(Defect::kUsageUserIsUsername) ? c.principal.username : user_id;
  TurnContext turn_ctx{&c.tenant, c.tier, billed_user, session_id, request_id, remembered};
  AgentTurn turn = co_await agent_.run(turn_ctx, std::move(history), message);

  // Meter what was consumed, whether or not the turn succeeded.
  if (defects_.on(Defect::kUsageBilledToWrongTenant)) {
    for (const auto& other : tenants_.all()) {
      if (other.id != c.tenant.id && other.active) {
        for (auto& r : turn.usage) r.tenant_id = other.id;
        break;
      }
    }
  }
  co_await metering_.record(turn.usage);
  emit_consumption(c, request_id, turn.trace);
  if (turn.error) {
    if (turn.input_tokens == 0 && !defects_.on(Defect::kQuotaKeptOnModelFailure))
      co_await quotas_.release(*usage, std::move(reservation));
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
  auto saved = co_await sessions->batch_write(std::move(writes));
  Update count;
  count.add("message_count", 1).set("last_activity", ts);
  if (defects_.on(Defect::kSessionExpirySliding))
    count.set("expires_at", (now + c.tier->session_duration).time_since_epoch().count());
  auto counted = co_await sessions->update_item(session_item, std::move(count));
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
  if (with_trace) out["trace"] = trace_json(turn.trace);
  co_return out;
}

}  // namespace tenantsim
