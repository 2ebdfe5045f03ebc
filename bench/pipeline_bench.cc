// The request path in process: token verification (cold: signature checked every time; cached),
// and one full chat request (router, verification, tenant lookup, quota transaction, memory read,
// model call, memory write, metering) on the fakes. Run: build/release/bench/pipeline_bench
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "harness/world.h"

namespace tenantsim {
namespace {

std::unique_ptr<World> make_world(size_t cache_capacity) {
  WorldOptions o;
  o.data_dir = TENANTSIM_DATA_DIR;
  o.verifier.cache_capacity = cache_capacity;
  auto w = World::create(o);
  if (!w.ok()) throw std::runtime_error(w.error().message);
  return std::move(w).value();
}

World::Account onboard(World& w, const std::string& tier) {
  auto a = w.new_tenant("bench-" + tier, tier);
  if (!a.ok()) throw std::runtime_error(a.error().message);
  return std::move(a).value();
}

void verify(benchmark::State& state, size_t cache_capacity) {
  auto w = make_world(cache_capacity);
  const auto a = onboard(*w, "advanced");
  for (auto _ : state) {
    auto p = run_to_completion(w->clock, w->system->verifier().verify(a.token));
    if (!p.ok()) state.SkipWithError(p.error().message.c_str());
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
  const auto s = w->system->verifier().stats();
  state.counters["signature_checks"] = static_cast<double>(s.signature_checks);
}

void BM_VerifyTokenCold(benchmark::State& state) { verify(state, 0); }
void BM_VerifyTokenCached(benchmark::State& state) { verify(state, 1 << 16); }
BENCHMARK(BM_VerifyTokenCold);
BENCHMARK(BM_VerifyTokenCached);

// One user of `tier` chatting; 100 ms of virtual time per message keeps the tenant's partition
// under DynamoDB's 1,000 WCU per second, and when a limit or the session ends the clock moves to
// the next day (outside the timed region) with a fresh token and session.
void chat(benchmark::State& state, const std::string& tier, const std::string& message) {
  auto w = make_world(1 << 16);
  auto a = onboard(*w, tier);
  std::string sid;
  auto renew = [&] {
    w->clock.advance_to(next_day_start(w->clock.now(), 0));
    a.token = w->login(a).value();
    sid = w->call("POST", "/api/sessions", a.token).body.value("session_id", "");
  };
  renew();
  int64_t answered = 0, renewals = 0;
  for (auto _ : state) {
    nlohmann::json body = {{"message", message},
                           {"tenant_context", {{"tenant_id", a.tenant_id}, {"user_id", a.sub}, {"session_id", sid}}}};
    ApiRequest req{"POST", "/api/chat", "Bearer " + a.token, body.dump(), {}, {}, {}};
    auto r = run_to_completion(w->clock, route(*w->system, std::move(req)));
    w->clock.advance(std::chrono::milliseconds(100));
    if (r.status == 200) {
      ++answered;
    } else {
      state.PauseTiming();
      ++renewals;
      renew();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(answered);
  state.counters["refused_then_renewed"] = static_cast<double>(renewals);
  state.counters["dynamodb_items"] = static_cast<double>(w->dynamodb.item_count("tenant-usage") +
                                                         w->dynamodb.item_count("tenant-sessions"));
}

void BM_ChatPooledNoTool(benchmark::State& state) { chat(state, "advanced", "hello, how are you today?"); }
void BM_ChatPooledWeatherTool(benchmark::State& state) { chat(state, "advanced", "What's the weather in Paris?"); }
BENCHMARK(BM_ChatPooledNoTool);
BENCHMARK(BM_ChatPooledWeatherTool);

}  // namespace
}  // namespace tenantsim
