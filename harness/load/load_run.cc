#include "harness/load/load_run.h"

// Asio's coroutine headers need <utility> first with GCC 12 and Boost 1.74.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "core/base/rng.h"
#include "harness/aws/fakes_link.h"
#include "harness/cloud_ledgers.h"
#include "harness/http/control_secret.h"
#include "harness/http/served_system.h"
#include "harness/load/blocking_client.h"
#include "harness/load/load_judge.h"
#include "harness/load/load_plan.h"
#include "harness/load/onboarding.h"
#include "harness/load/provider_usage.h"
#include "scenarios/refusals.h"
#include "harness/token_forge.h"
#include "reports/histogram.h"
#include "scenarios/checks.h"
#include "scenarios/oracle.h"  // canary_for

namespace tenantsim {

namespace {

constexpr int64_t kKneeP99Ms = 250;  // the default chat p99 a --find-knee step must keep

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using json = nlohmann::json;
using namespace load;  // the plan's vocabulary and its judge (load_plan.h, load_judge.h)

Error bad(std::string what) { return Error::make(ErrorKind::kBadRequest, "BadLoadOptions", std::move(what)); }
Error unavailable(std::string what) { return Error::make(ErrorKind::kUnavailable, "TargetUnavailable", std::move(what)); }

using Target = TargetAddress;

Result<Target> parse_target(const std::string& url) {
  if (!url.starts_with("http://"))
    return bad(fmt::format("--target must be 'inprocess' or http://HOST:PORT, got '{}' (https is not supported)", url));
  std::string rest = url.substr(7);
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    if (rest.substr(slash) != "/") return bad(fmt::format("--target '{}': give the server's root, without a path", url));
    rest = rest.substr(0, slash);
  }
  Target t;
  const auto colon = rest.rfind(':');
  t.host = rest.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535)
      return bad(fmt::format("--target '{}': the port must be 1..65535", url));
    t.port = static_cast<uint16_t>(std::stoi(port));
  }
  if (t.host.empty()) return bad(fmt::format("--target '{}' names no host", url));
  return t;
}

// Closed model: virtual user v is user v % users; its requests and think times are drawn ahead (as
// many as its share of --max-requests), and their send times are set when each is sent.
struct ClosedPlan {
  std::vector<std::vector<Planned>> requests;      // per virtual user
  std::vector<std::vector<int64_t>> think_us;      // per virtual user, after each request
};

// --- traffic ---------------------------------------------------------------------------------

class Traffic {
 public:
  Traffic(const Target& target, const TargetProfile& profile, const std::vector<LoadTenant>& tenants,
          const std::vector<LoadUser>& users, int connections, bool progress, std::string raw_path = "")
      : target_(target), profile_(profile), tenants_(tenants), users_(users), raw_path_(std::move(raw_path)),
        connections_(connections), progress_(progress) {}

  // Open model: `plan` fixes every send time; `connections` keep-alive connections take the next
  // request in turn. Outcomes come back in plan order.
  std::vector<Outcome> run(const std::vector<Planned>& plan) {
    plan_ = plan;
    out_.assign(plan_.size(), Outcome{});
    total_ = plan_.size();
    start_traffic();
    for (int i = 0; i < connections_; ++i) asio::co_spawn(ioc_, connection(), asio::detached);
    return finish();
  }

  // Closed model: each virtual user sends on its own connection, waits for the answer, thinks, and
  // sends again until `duration` ends. `plan` receives what was sent, with its send time.
  std::vector<Outcome> run_closed(const ClosedPlan& closed, std::chrono::seconds duration, std::vector<Planned>& plan) {
    closed_ = &closed;
    total_ = 0;
    for (const auto& reqs : closed.requests) total_ += reqs.size();
    start_traffic();
    end_ = start_ + duration;
    for (size_t v = 0; v < closed.requests.size(); ++v) asio::co_spawn(ioc_, virtual_user(v), asio::detached);
    auto out = finish();
    plan = std::move(plan_);
    return out;
  }

  // When the traffic began: plans count their send times from it.
  Steady::time_point started() const { return start_; }

 private:
  void start_traffic() {
    asio::ip::tcp::resolver resolver(ioc_);
    endpoints_ = resolver.resolve(target_.host, std::to_string(target_.port));
    start_ = Steady::now();
    if (progress_) asio::co_spawn(ioc_, report_progress(), asio::detached);
  }

  std::vector<Outcome> finish() {
    ioc_.run();
    if (progress_) std::fprintf(stderr, "\r%100s\r", "");
    return std::move(out_);
  }

  bhttp::request<bhttp::string_body> build(const Planned& p) const {
    if (p.kind == Kind::kRaw) {
      bhttp::request<bhttp::string_body> raw{bhttp::verb::get, raw_path_, 11};
      raw.set(bhttp::field::host, target_.host);
      return raw;
    }
    const LoadUser& u = users_[p.user];
    const LoadTenant& own = tenants_[u.tenant];
    // Each prompt carries the user's canary (scenarios/oracle.h): no other tenant or user may see it.
    const std::string message = canary_for(own.id, u.sub) + (p.weather ? " What is the weather in Paris today?"
                                                                        : " Summarise our plan for this week.");
    const RenderedRequest r = request_of(profile_, p, u, own, tenants_[p.other], message);
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(r.method), r.path, 11};
    req.set(bhttp::field::host, target_.host);
    const std::string& token = p.kind == Kind::kTamperedToken ? u.tampered
                             : p.kind == Kind::kAlgNone       ? u.alg_none
                             : p.kind == Kind::kForeignKey    ? u.foreign_key
                             : p.kind == Kind::kExpiredToken  ? u.expired
                             : p.kind == Kind::kWrongAudience ? u.wrong_audience
                             : p.kind == Kind::kOtherPool     ? u.other_pool
                                                              : u.token;
    if (p.kind != Kind::kNoToken) req.set(bhttp::field::authorization, "Bearer " + token);
    if (!r.body.is_null()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = r.body.dump();
    }
    req.prepare_payload();
    return req;
  }

  // One keep-alive connection of a load run: connects when it has none, and drops it after any error.
  struct Connection {
    explicit Connection(const asio::any_io_executor& ex) : stream(ex) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    bool connected = false;
  };

  // Sends `p` and reads its answer; latency counts from `intended` (wrk2's rule: a request that
  // waited for a busy connection counts its wait).
  asio::awaitable<Outcome> exchange(Connection& c, const Planned& p, Steady::time_point intended) {
    Outcome o;
    beast::error_code ec;
    if (!c.connected) {
      c.stream.expires_after(std::chrono::seconds(10));
      co_await c.stream.async_connect(endpoints_, asio::redirect_error(asio::use_awaitable, ec));
      c.connected = !ec;
    }
    if (c.connected) {
      auto req = build(p);
      c.stream.expires_after(std::chrono::seconds(60));
      co_await bhttp::async_write(c.stream, req, asio::redirect_error(asio::use_awaitable, ec));
      bhttp::response<bhttp::string_body> res;
      if (!ec) co_await bhttp::async_read(c.stream, c.buffer, res, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        o.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - intended).count();
        o.status = static_cast<int>(res.result_int());
        if (o.status >= 400) o.code = profile_.code_of(res.body());
        const bool judged_body = p.kind == Kind::kChat || p.kind == Kind::kSubscription;
        if (judged_body && o.status >= 200 && o.status < 300) o.body = std::move(res.body());
        if (o.status == 429) {
          const auto h = res[bhttp::field::retry_after];
          o.retry_after = retry_after_seconds(std::string_view(h.data(), h.size()));
        }
        if (!res.keep_alive()) ec = bhttp::error::end_of_stream;
      } else {
        o.code = "ConnectionError";
      }
      if (ec) {
        c.stream.close();
        c.buffer.clear();
        c.connected = false;
      }
    } else {
      o.code = "ConnectFailed";
    }
    if (o.status == 0) o.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - intended).count();
    ++done_;
    if (o.status >= 500 || o.status == 0) ++errors_;
    if (p.kind == Kind::kChat && o.status == 200) chat_latency_.record(o.latency_us);
    co_return o;
  }

  asio::awaitable<void> connection() {
    // GCC 12: no co_await inside a braced initializer (it miscompiles the temporary).
    const auto ex = co_await asio::this_coro::executor;
    Connection c(ex);
    asio::steady_timer timer(ex);
    beast::error_code ec;
    while (next_ < plan_.size()) {
      const size_t i = next_++;
      const auto intended = start_ + std::chrono::microseconds(plan_[i].at_us);
      timer.expires_at(intended);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      out_[i] = co_await exchange(c, plan_[i], intended);
    }
    if (c.connected) c.stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  }

  // In a closed model the send time is when the user is ready (after its think time), so the
  // latency is the answer's own: there is no schedule for the server to fall behind.
  asio::awaitable<void> virtual_user(size_t v) {
    // GCC 12: no co_await inside a braced initializer (it miscompiles the temporary).
    const auto ex = co_await asio::this_coro::executor;
    Connection c(ex);
    asio::steady_timer timer(ex);
    beast::error_code ec;
    const auto& reqs = closed_->requests[v];
    const auto& think = closed_->think_us[v];
    for (size_t i = 0; i < reqs.size() && Steady::now() < end_; ++i) {
      const auto sent = Steady::now();
      Planned p = reqs[i];
      p.at_us = std::chrono::duration_cast<std::chrono::microseconds>(sent - start_).count();
      const Outcome o = co_await exchange(c, p, sent);
      plan_.push_back(p);
      out_.push_back(o);
      timer.expires_after(std::chrono::microseconds(think[i]));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (c.connected) c.stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    ++users_done_;
  }

  // elapsed, achieved rate, chat p99 so far, errors: on a TTY only.
  asio::awaitable<void> report_progress() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    beast::error_code ec;
    while (closed_ ? users_done_ < closed_->requests.size() : done_ < total_) {
      timer.expires_after(std::chrono::milliseconds(500));
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      const double s = std::chrono::duration<double>(Steady::now() - start_).count();
      std::fprintf(stderr, "\r%6.1f s  %8zu requests  %8.0f req/s  chat p99 %8.1f ms  %6zu errors   ", s, done_,
                   s > 0 ? static_cast<double>(done_) / s : 0.0, static_cast<double>(chat_latency_.percentile(99)) / 1000.0,
                   errors_);
    }
  }

  Target target_;
  const TargetProfile& profile_;
  const std::vector<LoadTenant>& tenants_;
  const std::vector<LoadUser>& users_;
  std::string raw_path_;
  std::vector<Planned> plan_;
  std::vector<Outcome> out_;
  const ClosedPlan* closed_ = nullptr;
  int connections_;
  bool progress_;
  asio::io_context ioc_;
  asio::ip::tcp::resolver::results_type endpoints_;
  Steady::time_point start_, end_;
  size_t next_ = 0, done_ = 0, errors_ = 0, total_ = 0, users_done_ = 0;
  LatencyHistogram chat_latency_;
};

// --- the population and the plan -----------------------------------------------------------------

std::string pick_tier(Rng& rng, const std::map<std::string, double>& mix) {
  double total = 0;
  for (const auto& [t, w] : mix) total += w;
  double x = rng.unit() * total;
  for (const auto& [t, w] : mix) {
    if (x < w) return t;
    x -= w;
  }
  return mix.rbegin()->first;
}

// The first plain (not admin) user of `tenant`, or of any tenant when none is named; who.size()
// when there is none.
size_t plain_user(const std::vector<LoadUser>& who, size_t tenant = SIZE_MAX) {
  for (size_t i = 0; i < who.size(); ++i)
    if (!who[i].admin && (tenant == SIZE_MAX || who[i].tenant == tenant)) return i;
  return who.size();
}

// Makes a planned request coherent: a cross-tenant probe reaches for a tenant other than the
// caller's (`other` as drawn), a forged token for the tenant its forged claim names, an escalation is
// a plain user's (a tenant of its admin alone has none: then a no-token probe), and a tenant alone
// attacks no one.
void settle(Planned& p, size_t tenants_count, const std::vector<LoadUser>& who) {
  if (tenants_count > 1) {
    if (p.other >= who[p.user].tenant) ++p.other;  // any tenant but the caller's
    if (p.kind == Kind::kTamperedToken || p.kind == Kind::kAlgNone || p.kind == Kind::kForeignKey ||
        p.kind == Kind::kOtherPool)
      p.other = (who[p.user].tenant + 1) % tenants_count;
  } else if (is_probe(p.kind) && p.kind != Kind::kNoToken && p.kind != Kind::kEscalation &&
             p.kind != Kind::kExpiredToken && p.kind != Kind::kWrongAudience) {  // nobody else to reach for
    p.kind = Kind::kUsage;
  }
  // Nothing could sign with the pool's key (a real Cognito), or make a pool of the attacker's own
  // (in process): an edited token instead.
  if ((p.kind == Kind::kExpiredToken && who[p.user].expired.empty()) ||
      (p.kind == Kind::kWrongAudience && who[p.user].wrong_audience.empty()) ||
      (p.kind == Kind::kOtherPool && who[p.user].other_pool.empty()))
    p.kind = tenants_count > 1 ? Kind::kTamperedToken : Kind::kUsage;
  if (p.kind == Kind::kEscalation && who[p.user].admin) {
    const size_t plain = plain_user(who, who[p.user].tenant);
    if (plain < who.size()) p.user = plain;
    else p.kind = Kind::kNoToken;
  }
}

// One request of the mix for `user`: 70% chats (a fifth of them ask for the weather tool), reads of
// the tenant's usage, subscription and costs, and 10% attacks: on another tenant (its data with
// one's own token, its claims in an edited, unsigned or self-signed token), on a token route with
// no token, and a plain user on its own tenant's admin routes.
Planned draw(Rng& rng, size_t user, size_t tenants_count, const std::vector<LoadUser>& who) {
  Planned p;
  p.user = user;
  const uint64_t roll = rng.uniform(100);
  p.kind = roll < 70 ? Kind::kChat : roll < 78 ? Kind::kUsage : roll < 86 ? Kind::kSubscription
         : roll < 90 ? Kind::kCosts : roll < 91 ? Kind::kCrossTenant : roll < 92 ? Kind::kCrossTenantChat
         : roll < 93 ? Kind::kTamperedToken : roll < 94 ? Kind::kAlgNone : roll < 95 ? Kind::kForeignKey
         : roll < 96 ? Kind::kNoToken : roll < 97 ? Kind::kExpiredToken : roll < 98 ? Kind::kWrongAudience
         : roll < 99 ? Kind::kOtherPool : Kind::kEscalation;
  p.weather = rng.chance(0.2);
  if (tenants_count > 1) p.other = rng.uniform(tenants_count - 1);
  if (p.kind == Kind::kNoToken || p.kind == Kind::kEscalation) p.route = static_cast<int>(rng.uniform(15));
  settle(p, tenants_count, who);
  return p;
}

// Every probe kind, and every route the target profile lists for one, meets the target early in
// the run whatever the draw (a tenth of a short CI run's requests would miss some): the first
// requests, one in every `stride`, become each probe in turn, from their own users, as far as the
// plan reaches.
void cover_every_probe(std::vector<Planned>& plan, const TargetProfile& profile, size_t tenants_count,
                       const std::vector<LoadUser>& who) {
  std::vector<std::pair<Kind, int>> wanted;
  for (const Kind k : {Kind::kAlgNone, Kind::kTamperedToken, Kind::kForeignKey, Kind::kCrossTenant, Kind::kCrossTenantChat,
                       Kind::kExpiredToken, Kind::kWrongAudience, Kind::kOtherPool})
    wanted.emplace_back(k, 0);
  for (size_t r = 0; r < profile.token_routes.size(); ++r) wanted.emplace_back(Kind::kNoToken, static_cast<int>(r));
  for (size_t r = 0; r < profile.admin_routes.size(); ++r) wanted.emplace_back(Kind::kEscalation, static_cast<int>(r));
  // At most one request in four: a short run keeps its users' own requests to judge.
  const size_t stride = std::max<size_t>(4, plan.size() / (2 * wanted.size()));
  for (size_t j = 0; j < wanted.size() && j * stride < plan.size(); ++j) {
    Planned& p = plan[j * stride];
    p.kind = wanted[j].first;
    p.route = wanted[j].second;
    p.other = 0;
    // A plain user makes the attempt: the first of any tenant when the drawn user's tenant has none.
    if (p.kind == Kind::kEscalation && plain_user(who, who[p.user].tenant) == who.size())
      if (const size_t any = plain_user(who); any < who.size()) p.user = any;
    settle(p, tenants_count, who);
  }
}

// Open-model send times, microseconds from the start: arrivals at --rate, ramped linearly to
// --ramp-to, for --duration seconds and at most --max-requests.
std::vector<int64_t> arrival_times(const LoadOptions& o) {
  std::vector<int64_t> at;
  const double d = o.duration_s;
  const double r1 = o.ramp_to.value_or(o.rate);
  for (double t = 0; t < d && static_cast<int64_t>(at.size()) < o.max_requests;) {
    at.push_back(static_cast<int64_t>(t * 1e6));
    t += 1.0 / std::max(o.rate + (r1 - o.rate) * (t / d), 0.001);
  }
  return at;
}

// Open model: each arrival a request from a user drawn at random.
std::vector<Planned> make_plan(Rng rng, const LoadOptions& o, size_t users, size_t tenants_count,
                               const std::vector<LoadUser>& who) {
  std::vector<Planned> plan;
  // With a noisy neighbour, a user of tenant 0 weighs noisy_factor, any other 1.
  size_t noisy_users = 0;
  if (o.noisy_factor > 1)
    for (const auto& u : who) noisy_users += u.tenant == 0;
  const double weight = static_cast<double>(users - noisy_users) + o.noisy_factor * static_cast<double>(noisy_users);
  for (const int64_t at : arrival_times(o)) {
    size_t user = rng.uniform(users);
    if (noisy_users > 0) {
      double x = rng.unit() * weight;
      for (user = 0; user + 1 < users; ++user) {
        x -= who[user].tenant == 0 ? o.noisy_factor : 1.0;
        if (x < 0) break;
      }
    }
    Planned p = draw(rng, user, tenants_count, who);
    p.at_us = at;
    plan.push_back(p);
  }
  return plan;
}

ClosedPlan make_closed_plan(Rng rng, const LoadOptions& o, size_t users, size_t tenants_count,
                            const std::vector<LoadUser>& who) {
  ClosedPlan c;
  const int vus = *o.virtual_users;
  const int64_t per_vu = std::max<int64_t>(1, o.max_requests / vus);
  // Enough for the run even with no think time and a 100 us answer, but never past the bound.
  const int64_t want = std::min<int64_t>(per_vu, o.think_ms > 0 ? int64_t{o.duration_s} * 1000 / o.think_ms * 3 + 16
                                                                 : int64_t{o.duration_s} * 10'000);
  for (int v = 0; v < vus; ++v) {
    Rng r = rng.split(static_cast<uint64_t>(v));
    std::vector<Planned> reqs;
    std::vector<int64_t> think;
    for (int64_t i = 0; i < want; ++i) {
      reqs.push_back(draw(r, static_cast<size_t>(v) % users, tenants_count, who));
      // Exponential think time with the given mean: users do not click in lockstep.
      think.push_back(static_cast<int64_t>(-std::log(1.0 - r.unit()) * o.think_ms * 1000.0));
    }
    c.requests.push_back(std::move(reqs));
    c.think_us.push_back(std::move(think));
  }
  return c;
}

// load.json's latency figures of one histogram.
json percentiles_json(const LatencyHistogram& h) {
  return json{{"count", h.count()},         {"p50_us", h.percentile(50)},     {"p90_us", h.percentile(90)},
              {"p99_us", h.percentile(99)}, {"p99_9_us", h.percentile(99.9)}, {"max_us", h.max()}};
}

// --path: GET one path at the open-model rate, with no population, no API and no checks: the driver
// alone against any HTTP server (bench/http_bench.sh compares it with wrk on a minimal server).
Result<LoadResult> run_raw(const Target& target, const LoadOptions& o) {
  std::vector<Planned> plan;
  for (const int64_t at : arrival_times(o)) plan.push_back({at, 0, Kind::kRaw, 0, false});
  try {
    http::BlockingClient probe(target.port, target.host);
  } catch (const std::exception& e) {
    return unavailable(fmt::format("cannot connect to {}:{}: {}", target.host, target.port, e.what()));
  }
  const std::vector<LoadTenant> no_tenants;
  const std::vector<LoadUser> no_users;
  const auto t0 = Steady::now();
  const TargetProfile no_profile;
  const auto out = Traffic(target, no_profile, no_tenants, no_users, o.connections, o.progress && isatty(fileno(stderr)), *o.raw_path)
                       .run(plan);
  const double wall = std::chrono::duration<double>(Steady::now() - t0).count();
  LatencyHistogram h;
  std::map<int, int64_t> by_status;
  for (const auto& x : out) {
    ++by_status[x.status];
    if (x.status != 0) h.record(x.latency_us);
  }
  LoadResult result;
  result.run.scenario = "raw";
  result.run.description = fmt::format("GET {} against {} (--path: no population, no checks)", *o.raw_path, o.target);
  result.run.requests = static_cast<int64_t>(plan.size());
  result.run.responses_by_status = by_status;
  const std::string endpoint = "GET " + *o.raw_path;
  result.run.latency.push_back({endpoint, "", static_cast<int64_t>(h.count()), h.percentile(50), h.percentile(95),
                                h.percentile(99), h.max()});
  result.timing.wall_seconds = wall;
  result.timing.simulated_requests_per_second = wall > 0 ? static_cast<double>(plan.size()) / wall : 0;
  json& d = result.details;
  d["target"] = o.target;
  d["model"] = "open";
  d["path"] = *o.raw_path;
  d["rate_start_per_s"] = o.rate;
  d["rate_end_per_s"] = o.ramp_to.value_or(o.rate);
  d["connections"] = o.connections;
  d["requests"] = plan.size();
  d["achieved_per_s"] = result.timing.simulated_requests_per_second;
  d["latency_from"] = "intended send time (no coordinated omission)";
  d["latency"][endpoint]["all"] = percentiles_json(h);
  for (const auto& [status, count] : by_status) d["responses_by_status"][std::to_string(status)] = count;
  return result;
}

}  // namespace

std::vector<double> knee_rates(const LoadOptions& o) {
  std::vector<double> rates;
  const double top = o.ramp_to.value_or(o.rate * 64);
  for (double rate = o.rate; rates.size() < 16 && rate <= top * 1.0001; rate *= 1.5) rates.push_back(rate);
  return rates;
}

Result<LoadResult> run_load(const LoadedScenario& loaded, const LoadOptions& o) {
  if (!(o.rate > 0) || o.rate > 100'000) return bad("--rate must be a number of requests per second in (0, 100000]");
  if (o.ramp_to && (!(*o.ramp_to > 0) || *o.ramp_to > 100'000)) return bad("--ramp-to must be in (0, 100000]");
  if (o.find_knee && o.ramp_to && *o.ramp_to < o.rate)
    return bad("--find-knee climbs from --rate to --ramp-to: --ramp-to must be at least --rate");
  // Tokens live an hour; a run stays well inside one so that no request fails for an old token.
  if (o.duration_s < 1 || o.duration_s > 1800) return bad("--duration must be 1..1800 seconds");
  if (o.connections < 1 || o.connections > 1000) return bad("--connections must be 1..1000");
  if (o.tenants && (*o.tenants < 1 || *o.tenants > 500)) return bad("--tenants must be 1..500");
  if (!(o.noisy_factor >= 1) || o.noisy_factor > 1000) return bad("--noisy-factor must be a number in [1, 1000]");
  if (o.noisy_factor > 1 && o.virtual_users)
    return bad("--noisy-factor weighs the open model's arrivals: it takes no --virtual-users");
  if (o.virtual_users) {
    if (*o.virtual_users < 1 || *o.virtual_users > 1000) return bad("--virtual-users must be 1..1000");
    if (o.think_ms < 0 || o.think_ms > 600'000) return bad("--think-ms must be 0..600000");
    if (o.find_knee) return bad("--find-knee raises an arrival rate: it needs the open model, not --virtual-users");
    if (o.ramp_to) return bad("--ramp-to ramps an arrival rate: it needs the open model, not --virtual-users");
  }
  if (o.raw_path) {
    if (o.raw_path->empty() || (*o.raw_path)[0] != '/' ||
        o.raw_path->find_first_of(" \r\n") != std::string::npos)
      return bad(fmt::format("--path must start with '/' and hold no spaces, got '{}'", *o.raw_path));
    if (o.target.empty() || o.target == "inprocess") return bad("--path drives a server you name: give --target http://HOST:PORT");
    if (o.virtual_users || o.find_knee || !o.defects.enabled().empty())
      return bad("--path sends one GET at an open-model rate: it takes no --virtual-users, --find-knee or --inject-defect");
    auto t = parse_target(o.target);
    if (!t.ok()) return t.take_error();
    return run_raw(*t, o);
  }
  const Scenario& s = loaded.scenario;
  const uint64_t seed = o.seed.value_or(s.seed);
  const bool in_process = o.target.empty() || o.target == "inprocess";
  if (!in_process && !o.defects.enabled().empty()) return bad("--inject-defect needs --target inprocess");
  auto loaded_profile = load_target_profile(o.profile, o.data_dir);
  if (!loaded_profile.ok()) return loaded_profile.take_error();
  const TargetProfile& profile = *loaded_profile;
  if (in_process && profile.onboarding != Onboarding::kTenantsimApi)
    return bad(fmt::format("--profile {} describes another API: the in-process target is tenantsim serve (profile "
                           "tenantsim); give --target http://HOST:PORT", profile.name));
  if (in_process && !o.fakes_url.empty())
    return bad("--fakes reads the cloud of an outside target (--target http://HOST:PORT); in process the fakes' "
               "ledgers are read directly");
  std::unique_ptr<aws::FakesLink> cloud;  // --fakes: the outside target's cloud
  if (!o.fakes_url.empty()) {
    auto l = aws::FakesLink::connect(o.fakes_url, seed);
    if (!l.ok()) return unavailable(fmt::format("--fakes {}: {}", o.fakes_url, l.error().message));
    cloud = std::move(*l);
  }
  // The cloud's ledgers, as fakes serve has them now.
  const auto cloud_ledgers = [&]() -> Result<CloudLedgers> {
    auto doc = cloud->ledger();
    if (!doc.ok()) return unavailable(fmt::format("--fakes {}: GET /_fake/ledger: {}", o.fakes_url, doc.error().message));
    auto parsed = ledgers_from_json(*doc);
    if (!parsed.ok()) return unavailable(fmt::format("--fakes {}: /_fake/ledger: {}", o.fakes_url, parsed.error().message));
    return parsed;
  };
  std::optional<CognitoPool> pool;
  if (!o.cognito_endpoint.empty() || !o.user_pool_id.empty() || !o.client_id.empty())
    pool = CognitoPool{o.cognito_endpoint, o.cognito_region, o.user_pool_id, o.client_id};

  std::unique_ptr<ServedSystem> served;
  Target target{"127.0.0.1", 0};
  if (in_process) {
    ServeOptions so;
    so.threads = 2;
    so.world.seed = seed;
    so.world.data_dir = o.data_dir;
    so.world.defects = o.defects;
    so.use_scenario(loaded);
    auto started = ServedSystem::start(std::move(so));
    if (!started.ok()) return started.take_error();
    served = std::move(started).value();
    target.port = served->port();
  } else {
    auto t = parse_target(o.target);
    if (!t.ok()) return t.take_error();
    target = *t;
  }

  // The population: the scenario's tier mix and users per tenant, at most 50 tenants by default.
  Rng rng = Rng(seed).split("load");
  const int n = o.tenants.value_or(std::min(s.tenants, 50));
  // Ids unique per run against an outside server (which keeps tenants between runs).
  const std::string nonce = in_process ? "" : fmt::format("{:x}-", static_cast<uint32_t>(Steady::now().time_since_epoch().count()));
  std::vector<LoadTenant> tenants;
  std::vector<LoadUser> users;
  for (int i = 0; i < n; ++i) {
    LoadTenant t{fmt::format("load-{}{:03d}", nonce, i), pick_tier(rng, s.tier_mix), users.size()};
    const int count = static_cast<int>(std::clamp<int64_t>(rng.between(s.users_per_tenant.min, s.users_per_tenant.max), 1, 5));
    for (int u = 0; u < count; ++u) {
      LoadUser user;
      user.tenant = tenants.size();
      user.admin = u == 0;
      user.n = u;
      user.username = render_text(profile.username, vars_of(user, t));
      // Upper and lower case, a digit and a symbol: what a user pool's default password policy asks.
      user.password = fmt::format("Load-password-{}-{}", t.id, u);
      users.push_back(std::move(user));
    }
    tenants.push_back(std::move(t));
  }
  std::vector<SignUpProbe> sign_up_probes;
  if (auto st = onboard(target, profile, pool, tenants, users, sign_up_probes); !st.ok()) return st.error();
  // What can sign with the pool's own key: the in-process fakes, or a fakes serve that is the pool
  // the target trusts. With a real Cognito nothing can: the expired and wrong-audience probes are
  // then not sent.
  // (The --fakes link when the pool is on that same fakes serve: one line to it, not two.)
  std::unique_ptr<aws::FakesLink> own_link;
  aws::FakesLink* link = nullptr;
  std::function<Result<std::string>(const std::string&, const json&)> sign_with_pool_key;
  if (served) {
    sign_with_pool_key = [&](const std::string& pool_id, const json& claims) -> Result<std::string> {
      return served->sign_claims(pool_id, claims.dump());
    };
  } else if (pool) {
    if (cloud && cloud->url() == pool->endpoint) {
      link = cloud.get();
    } else if (auto l = aws::FakesLink::connect(pool->endpoint, seed); l.ok()) {
      own_link = std::move(*l);
      link = own_link.get();
    }
    if (link)
      sign_with_pool_key = [&](const std::string& pool_id, const json& claims) { return link->sign(pool_id, claims); };
  }
  // The attacker's own pool on the same Cognito: it can be made where the link can sign with it.
  std::string attacker_pool;
  if (link) {
    auto made = create_attacker_pool(*pool);
    if (!made.ok()) return made.take_error();
    attacker_pool = std::move(*made);
  }
  for (auto& u : users) {
    Jwt t = decode_jwt(u.token);
    if (sign_with_pool_key) {
      // The user's own claims, as the pool would sign them: an hour past their expiry (well past
      // any verifier's leeway), and for another app client of the pool (access or ID token).
      const std::string iss = t.payload.value("iss", "");
      const std::string pool_id = iss.substr(iss.rfind('/') + 1);
      json expired = t.payload, other_client = t.payload;
      const int64_t issued = t.payload.value("iat", int64_t{0});
      expired["iat"] = expired["auth_time"] = issued - 7200;
      expired["exp"] = issued - 3600;
      other_client[other_client.contains("client_id") ? "client_id" : "aud"] = "tenantsim-another-app-client";
      if (auto e = sign_with_pool_key(pool_id, expired); e.ok()) u.expired = std::move(*e);
      if (auto w = sign_with_pool_key(pool_id, other_client); w.ok()) u.wrong_audience = std::move(*w);
    }
    t.payload["custom:tenant_id"] = tenants[(u.tenant + 1) % tenants.size()].id;  // a switch the signature forbids
    if (!attacker_pool.empty()) {
      // The switched claims, issued and signed by the attacker's pool: a valid token, of the wrong issuer.
      json claims = t.payload;
      const std::string iss = claims.value("iss", "");
      claims["iss"] = iss.substr(0, iss.rfind('/') + 1) + attacker_pool;
      if (auto o2 = sign_with_pool_key(attacker_pool, claims); o2.ok()) u.other_pool = std::move(*o2);
    }
    u.tampered = encode_jwt(t.header, t.payload, t.signature);
    u.alg_none = forge_alg_none(t);
    u.foreign_key = forge_with_own_key(t);
  }

  std::optional<CloudLedgers> cloud_before;
  if (cloud) {
    auto l = cloud_ledgers();
    if (!l.ok()) return l.take_error();
    cloud_before = std::move(*l);
  }

  const auto wall_start = std::chrono::system_clock::now();
  const auto steady_start = Steady::now();
  // The same instant on the system's clock, for the oracle (in process, the served world's).
  const Time wall_start_time = served ? served->world().time.now() : std::chrono::time_point_cast<Duration>(wall_start);
  // Plans count from their Traffic's own start: from the run's, for the oracle's one timeline.
  const auto from_run_start = [&](const Traffic& traffic, std::vector<Planned>& part) {
    const int64_t offset_us = std::chrono::duration_cast<std::chrono::microseconds>(traffic.started() - steady_start).count();
    for (auto& p : part) p.at_us += offset_us;
  };
  size_t past_capacity_from = SIZE_MAX;  // --find-knee: the first request of the step that broke
  const bool tty = o.progress && isatty(fileno(stderr));
  std::vector<Planned> plan;
  std::vector<Outcome> out;
  json knee_steps = json::array();  // load.json's detail of each step
  std::vector<LoadStep> knee_rows;    // the same steps for report.json and its chart
  std::optional<double> knee;
  std::string saturated;
  if (!o.find_knee && !o.virtual_users) {
    plan = make_plan(rng.split("plan"), o, users.size(), tenants.size(), users);
    cover_every_probe(plan, profile, tenants.size(), users);
    Traffic traffic(target, profile, tenants, users, o.connections, tty);
    out = traffic.run(plan);
    from_run_start(traffic, plan);
  } else if (o.virtual_users) {
    Traffic traffic(target, profile, tenants, users, o.connections, tty);
    out = traffic.run_closed(make_closed_plan(rng.split("plan"), o, users.size(), tenants.size(), users),
                             std::chrono::seconds(o.duration_s), plan);
    from_run_start(traffic, plan);
  } else {
    // Steps of --duration seconds, each 1.5 times the last, from --rate up to --ramp-to, until chat
    // p99 passes the threshold, a shared service throttles, or requests fail: the knee is the last
    // rate that held, and what broke the next one is what saturated first.
    const int64_t p99_limit_us = (o.p99_ms ? *o.p99_ms : kKneeP99Ms) * 1000;
    const std::vector<double> rates = knee_rates(o);
    for (size_t step = 0; step < rates.size(); ++step) {
      const double rate = rates[step];
      LoadOptions so = o;
      so.rate = rate;
      so.ramp_to.reset();
      auto step_plan = make_plan(rng.split("plan").split(step), so, users.size(), tenants.size(), users);
      if (step == 0) cover_every_probe(step_plan, profile, tenants.size(), users);
      const auto t0 = Steady::now();
      Traffic traffic(target, profile, tenants, users, o.connections, tty);
      auto step_out = traffic.run(step_plan);
      const double secs = std::chrono::duration<double>(Steady::now() - t0).count();
      const KneeStep k = judge_step(step_plan, step_out, p99_limit_us, loaded.fault_plans);
      const double achieved = secs > 0 ? static_cast<double>(step_plan.size()) / secs : 0;
      std::string why = k.why;
      if (why.empty() && achieved < rate * 0.9)
        why = fmt::format("the driver achieved only {:.0f} of {:.0f}/s: the target (or this machine) is out of CPU", achieved, rate);
      knee_steps.push_back({{"rate_per_s", rate}, {"achieved_per_s", achieved}, {"requests", step_plan.size()},
                            {"chat_p50_us", k.chat.percentile(50)}, {"chat_p99_us", k.chat.percentile(99)},
                            {"errors", k.errors}, {"throttled", k.throttled_by}, {"held", why.empty()}, {"why", why}});
      knee_rows.push_back({rate, achieved, k.chat.percentile(99), why.empty()});
      if (tty) std::fprintf(stderr, "step %zu: %.0f/s asked, %.0f/s achieved, chat p99 %.1f ms%s%s\n", step + 1, rate,
                            achieved, static_cast<double>(k.chat.percentile(99)) / 1000.0, why.empty() ? "" : ": ",
                            why.c_str());
      from_run_start(traffic, step_plan);
      if (!why.empty()) past_capacity_from = plan.size();
      plan.insert(plan.end(), step_plan.begin(), step_plan.end());
      out.insert(out.end(), step_out.begin(), step_out.end());
      if (!why.empty()) {
        saturated = why;
        break;
      }
      knee = rate;
    }
  }
  const double wall = std::chrono::duration<double>(Steady::now() - steady_start).count();

  const std::set<std::string> faulty = loaded.faulted_services();
  LoadResult result;
  RunResult& rr = result.run;

  // --- latency, throughput, tenants, refusals -----------------------------------------------------
  std::map<std::pair<std::string, std::string>, LatencyHistogram> by_endpoint_tier;
  std::map<std::string, LatencyHistogram> by_endpoint, by_tenant;  // 2xx answers only
  std::map<std::string, LatencyHistogram> refused_by_endpoint;       // 4xx and 5xx of users' own requests
  std::map<int64_t, int64_t> per_second, errors_per_second, refused_per_second;
  std::map<int64_t, LatencyHistogram> chat_per_second;
  std::map<std::string, TenantRow> rows;
  for (const auto& t : tenants) {
    TenantRow& row = rows[t.id];
    row.id = t.id;
    row.tier = t.tier;
  }
  for (const auto& u : users) ++rows[tenants[u.tenant].id].users;
  for (size_t i = 0; i < plan.size(); ++i) {
    const Planned& p = plan[i];
    const Outcome& r = out[i];
    const LoadTenant& t = tenants[users[p.user].tenant];
    TenantRow& row = rows[t.id];
    ++row.requests;
    ++rr.responses_by_status[r.status];
    ++rr.requests;
    const int64_t second = p.at_us / 1'000'000;
    ++per_second[second];
    if (r.status >= 500 || r.status == 0) {
      ++errors_per_second[second];
      ++row.failed;
    }
    if (r.status == 429) ++refused_per_second[second];
    if (p.kind == Kind::kChat && r.status == 200) chat_per_second[second].record(r.latency_us);
    const RefusalClass rc = classify_refusal(r.status, r.code);
    if (rc.kind == RefusalKind::kTierLimit) ++row.refused_limit;
    if (rc.kind == RefusalKind::kThrottled) ++row.throttled;
    if (p.kind == Kind::kChat && r.status == 200) ++row.chats_accepted;
    if (!is_probe(p.kind) && r.status >= 400 && r.status != 401 && r.status != 403) {
      Refusal& ref = rr.refusals[r.code.empty() ? std::to_string(r.status) : r.code];
      if (ref.count++ == 0) {
        ref.status = r.status;
        ref.first_at = to_iso8601(std::chrono::time_point_cast<Duration>(wall_start) + std::chrono::microseconds(p.at_us));
        ref.reason = refusal_reason(rc, faulty);
      }
    }
    if (is_probe(p.kind) || r.status == 0) continue;
    // Successes apart from refusals and failures: a fast 429 would flatter every percentile.
    if (r.status < 200 || r.status >= 300) {
      refused_by_endpoint[label_of(p.kind)].record(r.latency_us);
      continue;
    }
    by_endpoint_tier[{label_of(p.kind), t.tier}].record(r.latency_us);
    by_endpoint[label_of(p.kind)].record(r.latency_us);
    by_tenant[t.id].record(r.latency_us);
  }
  // --- the verdict: the scenario oracle over what the driver saw and, in process, the ledgers ---
  std::optional<LoadEvidence> evidence;
  std::map<std::string, int64_t> ledger_totals;
  if (served) {
    // Records a throttled table refused wait in metering's outbox: give the outbox a few seconds to
    // drain (throttling windows are a second long) before serving ends.
    size_t pending = served->flush_metering();
    for (int i = 0; pending > 0 && i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      pending = served->flush_metering();
    }
    served->stop();
    pending = std::max(pending, served->wait());
    evidence = read_evidence(*served, tenants, pending);
    // What the traffic cost, as the system metered it (the load is all of the tenant's usage).
    for (const auto& [id, m] : evidence->metered) {
      TenantRow& row = rows[id];
      row.cost_by_service = m.cost_by_service;
      for (const auto& [service, money] : m.cost_by_service) row.cost += money;
    }
    for (const auto& [tenant, models] : evidence->ledgers.bedrock_by_tenant)
      for (const auto& [model, u] : models) ledger_totals["bedrock_invocations"] += u.invocations;
  }
  std::optional<ProviderUsage> provider_usage;
  if (cloud) {
    auto after = cloud_ledgers();
    if (!after.ok()) return after.take_error();
    auto prices = PriceCatalog::from_json(loaded.prices_doc);
    if (!prices.ok()) return prices.take_error();
    std::set<std::string> ids;
    for (const auto& t : tenants) ids.insert(t.id);
    provider_usage = usage_between(*cloud_before, *after, *prices, ids);
    for (const auto& [name, quantity] : provider_usage->totals) ledger_totals[name] = quantity;
  }
  std::map<std::string, LatencyHistogram> chat_by_tier;
  for (const auto& [key, h] : by_endpoint_tier)
    if (key.first == label_of(Kind::kChat)) chat_by_tier[key.second].merge(h);
  const std::optional<int64_t> p99_ms = o.find_knee ? std::nullopt : o.p99_ms ? o.p99_ms : s.thresholds.p99_latency_ms;
  auto judged = judge_load({loaded, tenants, users, plan, out, steady_start, wall_start_time, past_capacity_from, p99_ms,
                            chat_by_tier, evidence, profile, sign_up_probes});
  if (!judged.ok()) return judged.take_error();
  rr.checks = std::move(*judged);
  if (o.find_knee) {
    // The knee's own judgement: the steps below it held (chat p99 within the threshold, nothing
    // throttled, nothing failing); the step past it broke by design and names what saturated first.
    // The run fails when not even the first step held, not because the search found its end.
    CheckResult p99 = catalog_check("thresholds.p99_latency");
    p99.description = fmt::format("each --find-knee step below the knee held: chat p99 (wall-clock, from the intended "
                                  "send) at most {} ms, nothing throttled or failing",
                                  o.p99_ms ? *o.p99_ms : kKneeP99Ms);
    for (const auto& step : knee_rows)
      if (step.held) p99.pass();
    if (!knee)
      p99.fail(fmt::format("not even the first step ({:.0f} requests/s) held: {}", o.rate,
                           saturated.empty() ? std::string("no step ran") : saturated));
    p99.gating = s.thresholds.fail_on.empty() || any_selects(s.thresholds.fail_on, p99.name);
    rr.checks.push_back(p99);
  }
  for (auto& [id, row] : rows) rr.tenants.push_back(row);
  for (const auto& [key, h] : by_endpoint_tier)
    rr.latency.push_back({key.first, key.second, static_cast<int64_t>(h.count()), h.percentile(50), h.percentile(95),
                          h.percentile(99), h.max()});
  rr.economics = served ? EconomicsScope::kCostOnly : EconomicsScope::kNone;
  rr.scenario = s.name;
  rr.description = "wall-clock load against " + (in_process ? std::string("an in-process tenantsim serve") : o.target);
  rr.seed = seed;
  rr.start = to_iso8601(std::chrono::time_point_cast<Duration>(wall_start));
  rr.price_catalog = loaded.prices_doc.value("name", "");
  for (auto d : o.defects.enabled()) rr.defects.emplace_back(defect_name(d));
  rr.ledger_totals = ledger_totals;

  result.timing.wall_seconds = wall;
  result.timing.simulated_requests_per_second = wall > 0 ? static_cast<double>(plan.size()) / wall : 0;

  json& d = result.details;
  d["target"] = in_process ? "inprocess" : o.target;
  if (o.virtual_users) {
    d["model"] = "closed";
    d["virtual_users"] = *o.virtual_users;
    d["think_ms_mean"] = o.think_ms;
    d["latency_from"] = "actual send time (closed model: each user waits for its answer)";
  } else {
    d["model"] = "open";
    d["rate_start_per_s"] = o.rate;
    d["rate_end_per_s"] = o.ramp_to.value_or(o.rate);
    d["latency_from"] = "intended send time (no coordinated omission)";
  }
  d["duration_s"] = o.duration_s;
  d["connections"] = o.connections;
  d["tenants"] = tenants.size();
  d["users"] = users.size();
  d["requests"] = plan.size();
  d["achieved_per_s"] = result.timing.simulated_requests_per_second;
  if (o.noisy_factor > 1 && !tenants.empty()) {
    // The noisy tenant beside the others: what its surge did to them.
    const TenantRow& noisy = rows.at(tenants[0].id);
    std::vector<int64_t> others_p99;
    int64_t others_requests = 0, others_refused = 0, others_failed = 0;
    for (const auto& [id, row] : rows) {
      if (id == tenants[0].id) continue;
      others_requests += row.requests;
      others_refused += row.refused_limit + row.throttled;
      others_failed += row.failed;
      if (by_tenant.count(id)) others_p99.push_back(by_tenant.at(id).percentile(99));
    }
    std::sort(others_p99.begin(), others_p99.end());
    d["noisy_neighbour"] = {
        {"tenant", noisy.id}, {"tier", noisy.tier}, {"factor", o.noisy_factor}, {"requests", noisy.requests},
        {"refused", noisy.refused_limit + noisy.throttled}, {"failed", noisy.failed},
        {"p99_us", by_tenant.count(noisy.id) ? by_tenant.at(noisy.id).percentile(99) : 0},
        {"others", {{"tenants", rows.size() - 1}, {"requests", others_requests}, {"refused", others_refused},
                    {"failed", others_failed},
                    {"median_p99_us", others_p99.empty() ? 0 : others_p99[others_p99.size() / 2]},
                    {"worst_p99_us", others_p99.empty() ? 0 : others_p99.back()}}}};
  }
  if (o.find_knee) {
    d["model"] = "open, stepped (--find-knee)";
    d["knee"] = {{"steps", knee_steps},
                 {"highest_sustained_per_s", knee ? json(*knee) : json(nullptr)},
                 {"saturated_first", saturated.empty() ? json("nothing within the steps tried") : json(saturated)}};
  }
  for (const auto& [endpoint, h] : by_endpoint) d["latency"][endpoint]["all"] = percentiles_json(h);
  for (const auto& [key, h] : by_endpoint_tier) d["latency"][key.first][key.second] = percentiles_json(h);
  for (const auto& [endpoint, h] : refused_by_endpoint) d["latency"][endpoint]["refused_or_failed"] = percentiles_json(h);
  for (const auto& [tenant, h] : by_tenant) d["tenant_p99_us"][tenant] = h.percentile(99);
  LoadSeries series;
  series.model = d["model"].get<std::string>();
  series.knee = std::move(knee_rows);
  json seconds = json::array();
  for (const auto& [sec, count] : per_second) {
    const auto chat = chat_per_second.find(sec);
    series.seconds.push_back({sec, count, errors_per_second[sec], refused_per_second[sec],
                              chat == chat_per_second.end() ? 0 : chat->second.percentile(50),
                              chat == chat_per_second.end() ? 0 : chat->second.percentile(99)});
    seconds.push_back({{"second", sec}, {"requests", count}, {"errors", errors_per_second[sec]}});
  }
  d["throughput"] = std::move(seconds);
  rr.load = std::move(series);
  for (const auto& [status, count] : rr.responses_by_status) d["responses_by_status"][std::to_string(status)] = count;
  if (provider_usage) {
    int64_t accepted_chats = 0;
    for (size_t i = 0; i < plan.size(); ++i)
      accepted_chats += plan[i].kind == Kind::kChat && out[i].status >= 200 && out[i].status < 300;
    d["provider_usage"] = provider_usage_json(*provider_usage, o.fakes_url, accepted_chats);
  }

  return result;
}

}  // namespace tenantsim
