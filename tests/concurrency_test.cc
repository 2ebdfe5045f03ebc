// Real threads against one tenant: the limits must hold when requests race (exactly the limit
// accepted, not one more), and no usage is lost when faults hit many requests at once. Run under
// TSan too (scripts/test), which also checks the system and the fakes for data races.
//
// The fakes answer inline when no latency is configured, so each thread drives its own requests to
// completion without the virtual clock's loop (which belongs to one thread).
#include <atomic>
#include <barrier>
#include <thread>

#include "tests/test_support.h"

namespace tenantsim {
namespace {

using testing::make_world;
using testing::must;

ApiResponse call_inline(System& system, ApiRequest request) {
  auto task = route(system, std::move(request));
  task.start();
  if (!task.done()) throw std::logic_error("request suspended: a fake has latency configured");
  return task.result();
}

ApiRequest chat_request(const World::Account& a, const std::string& sid, const std::string& message) {
  nlohmann::json body = {{"message", message},
                         {"tenant_context", {{"tenant_id", a.tenant_id}, {"user_id", a.sub}, {"session_id", sid}}}};
  return {"POST", "/api/chat", "Bearer " + a.token, body.dump(), {}, {}, {}};
}

struct Outcome {
  int accepted = 0;
  int limited = 0;
  int other = 0;
};

// `threads` threads each send `per_thread` chats at once (released together by a barrier).
Outcome hammer(World& w, const World::Account& a, const std::string& sid, int threads, int per_thread) {
  std::atomic<int> accepted{0}, limited{0}, other{0};
  std::barrier start(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < per_thread; ++i) {
        auto r = call_inline(*w.system, chat_request(a, sid, "hello " + std::to_string(t * per_thread + i)));
        (r.status == 200 ? accepted : r.status == 429 ? limited : other)++;
      }
    });
  for (auto& th : pool) th.join();
  return {accepted.load(), limited.load(), other.load()};
}

TEST(Concurrency, ExactlyTheDailyLimitIsAcceptedUnderRacingThreads) {
  auto w = make_world();
  auto a = must(w->new_tenant("racer", "basic"));
  const int limit = w->system->config().tiers.find("basic")->daily_messages;
  auto s = w->call("POST", "/api/sessions", a.token);
  ASSERT_EQ(s.status, 201);
  const auto out = hammer(*w, a, s.body["session_id"], 8, limit / 2);  // 4x the limit in flight
  EXPECT_EQ(out.accepted, limit);
  EXPECT_EQ(out.limited, 8 * (limit / 2) - limit);
  EXPECT_EQ(out.other, 0);
  auto usage = w->call("GET", "/api/tenants/racer/usage", a.token);
  EXPECT_EQ(usage.body["metrics"]["bedrock_invocation"].get<int64_t>(), limit);
}

TEST(Concurrency, OffByOneDefectShowsUnderThreadsToo) {
  auto w = make_world(testing::with(Defect::kDailyLimitOffByOne));
  auto a = must(w->new_tenant("racer", "basic"));
  const int limit = w->system->config().tiers.find("basic")->daily_messages;
  auto s = w->call("POST", "/api/sessions", a.token);
  const auto out = hammer(*w, a, s.body["session_id"], 8, limit / 2);
  EXPECT_EQ(out.accepted, limit + 1);
}

TEST(Concurrency, NoUsageLostWhenFaultsHitRacingRequests) {
  auto w = make_world();
  auto a = must(w->new_tenant("faulty", "advanced"));
  auto s = w->call("POST", "/api/sessions", a.token);
  FaultPlan plan;
  plan.error_rate = 0.3;
  w->dynamodb_faults().set_plan(plan);
  const auto out = hammer(*w, a, s.body["session_id"], 6, 20);
  w->dynamodb_faults().set_plan(FaultPlan{});
  EXPECT_GT(out.accepted + out.other, 0);
  EXPECT_EQ(w->run(w->system->metering().flush()), 0u);
  const auto ledger = w->bedrock.ledger().by_tenant_tag.at("faulty").begin()->second;
  auto usage = w->call("GET", "/api/tenants/faulty/usage", a.token);
  EXPECT_EQ(usage.body["metrics"]["bedrock_invocation"].get<int64_t>(), ledger.invocations);
  EXPECT_EQ(usage.body["metrics"]["bedrock_input_tokens"].get<int64_t>(), ledger.input_tokens);
  EXPECT_EQ(usage.body["metrics"]["bedrock_output_tokens"].get<int64_t>(), ledger.output_tokens);
}

}  // namespace
}  // namespace tenantsim
