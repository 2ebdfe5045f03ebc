// The foundations every deterministic run stands on, tested directly (issue 9): the seeded random
// streams (reference values from the published algorithms, computed apart from this code), Task's
// laziness, results, exceptions and symmetric transfer, and the virtual clock's order of events.
// A change here changes every report, so it must fail a test, not only move the golden numbers.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/rng.h"
#include "core/base/task.h"
#include "fakes/common/virtual_clock.h"

namespace tenantsim {
namespace {

// ------------------------------------------------------------------------------------- Rng

// FNV-1a 64 of "", "a" and "foobar" are the published test vectors; xoshiro256** seeded through
// SplitMix64 (SplitMix64 from 0 first gives 0xe220a8397b1dcdaf, its published value) was
// recomputed in Python for seed 42, and for its streams split("tenant-7") and split(7).
TEST(ErrorKind, StatusesMapBothWaysAndKeepTheirClass) {
  for (ErrorKind k : {ErrorKind::kBadRequest, ErrorKind::kUnauthorized, ErrorKind::kForbidden, ErrorKind::kNotFound,
                      ErrorKind::kMethodNotAllowed, ErrorKind::kConflict, ErrorKind::kTooManyRequests,
                      ErrorKind::kUnavailable, ErrorKind::kInternal})
    EXPECT_EQ(error_kind_of_status(http_status(k)), k) << to_string(k);
  EXPECT_EQ(error_kind_of_status(422), ErrorKind::kBadRequest) << "a 4xx without a kind stays a client error";
  EXPECT_EQ(error_kind_of_status(504), ErrorKind::kInternal);
}

TEST(Rng, MatchesReferenceValues) {
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(stable_hash("foobar"), 0x85944171f73967e8ULL);
  Rng r(42);
  EXPECT_EQ(r.next(), 0x15780b2e0c2ec716ULL);
  EXPECT_EQ(r.next(), 0x6104d9866d113a7eULL);
  EXPECT_EQ(r.next(), 0xae17533239e499a1ULL);
  EXPECT_EQ(Rng(42).split("tenant-7").next(), 0x980cd6ee9de044fbULL);
  EXPECT_EQ(Rng(42).split(uint64_t{7}).next(), 0x3c8c033ebf21e933ULL);
}

// A named stream depends on the parent's seed and the name only, never on how much the parent has
// drawn: what lets a shard or a thread see the numbers a whole run would.
TEST(Rng, SplitIgnoresWhatTheParentDrew) {
  Rng fresh(2024), used(2024);
  for (int i = 0; i < 1000; ++i) used.next();
  Rng a = fresh.split("tenant-00042"), b = used.split("tenant-00042");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.next(), b.next()) << "draw " << i;
  Rng c = fresh.split(uint64_t{9}), d = used.split(uint64_t{9});
  for (int i = 0; i < 100; ++i) ASSERT_EQ(c.next(), d.next()) << "draw " << i;
}

TEST(Rng, StreamsOfOtherNamesAndSeedsDiffer) {
  std::set<uint64_t> firsts;
  for (const char* name : {"a", "b", "tenant-1", "tenant-10", "tenant-01"}) firsts.insert(Rng(1).split(name).next());
  for (uint64_t i = 0; i < 5; ++i) firsts.insert(Rng(1).split(i).next());
  firsts.insert(Rng(2).split("a").next());
  EXPECT_EQ(firsts.size(), 11u);
}

TEST(Rng, DrawsStayInTheirRangesAndReachBothEnds) {
  Rng r(7);
  std::set<int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    const int64_t v = r.between(-2, 3);
    ASSERT_GE(v, -2);
    ASSERT_LE(v, 3);
    seen.insert(v);
    const double u = r.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_LT(r.uniform(5), 5u);
  }
  EXPECT_EQ(seen, (std::set<int64_t>{-2, -1, 0, 1, 2, 3}));
  EXPECT_EQ(Rng(7).between(4, 4), 4);
}

// ------------------------------------------------------------------------------------ Task

Task<int> answer(bool* started) {
  *started = true;
  co_return 42;
}

Task<int> fails() {
  throw std::runtime_error("from inside");
  co_return 0;
}

Task<int> add_one_to(Task<int> t) { co_return 1 + co_await t; }

Task<std::string> catches(Task<int> t) {
  try {
    co_return std::to_string(co_await t);
  } catch (const std::runtime_error& e) {
    co_return std::string("caught: ") + e.what();
  }
}

Task<int> depth(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await depth(n - 1);
}

TEST(Task, StartsOnlyWhenAwaited) {
  VirtualClock clock(Time{});
  bool started = false;
  Task<int> t = answer(&started);
  EXPECT_FALSE(started) << "a Task is lazy: creating it runs nothing";
  EXPECT_EQ(run_to_completion(clock, add_one_to(std::move(t))), 43);
  EXPECT_TRUE(started);
}

TEST(Task, AnExceptionReachesTheAwaiter) {
  VirtualClock clock(Time{});
  EXPECT_EQ(run_to_completion(clock, catches(fails())), "caught: from inside");
  // Through an awaiter that does not catch, to the one that does.
  EXPECT_EQ(run_to_completion(clock, catches(add_one_to(fails()))), "caught: from inside");
}

TEST(Task, RunToCompletionHandsAnUncaughtExceptionToItsCaller) {
  VirtualClock clock(Time{});
  // Before, the exception reached spawn()'s detached frame, which ends the process.
  EXPECT_THROW(run_to_completion(clock, add_one_to(fails())), std::runtime_error);
  EXPECT_EQ(run_to_completion(clock, catches(fails())), "caught: from inside") << "the clock still runs after it";
}

// Nested awaits return their values through every level. (Symmetric transfer makes the resumes tail
// calls only when GCC optimises: under ASan at -O0, 50,000 levels overflowed the stack, so the depth
// here is modest.)
TEST(Task, NestedAwaitsReturnThroughEveryLevel) {
  VirtualClock clock(Time{});
  EXPECT_EQ(run_to_completion(clock, depth(1'000)), 1'000);
}

// ----------------------------------------------------------------------------- VirtualClock

Task<void> wake(VirtualClock& clock, Time at, int id, std::vector<std::pair<int, int64_t>>* log) {
  co_await sleep_until(clock, at);
  log->emplace_back(id, clock.now().time_since_epoch().count());
}

// Timers run in time order; timers for the same instant in the order they were set (so a seed
// gives one order); each sees now() at its own time.
TEST(VirtualClock, RunsTimersByTimeThenByOrderSet) {
  VirtualClock clock(Time{});
  std::vector<std::pair<int, int64_t>> log;
  const Time t10{Duration{10}}, t20{Duration{20}};
  spawn(wake(clock, t20, 1, &log));
  spawn(wake(clock, t10, 2, &log));
  spawn(wake(clock, t20, 3, &log));
  spawn(wake(clock, t10, 4, &log));
  EXPECT_TRUE(log.empty()) << "nothing runs before the clock does";
  EXPECT_EQ(clock.run(), 4u);
  EXPECT_EQ(log, (std::vector<std::pair<int, int64_t>>{{2, 10}, {4, 10}, {1, 20}, {3, 20}}));
  EXPECT_TRUE(clock.idle());
}

Task<int> after(VirtualClock& clock, int64_t at, int value, std::vector<int>* finished) {
  co_await sleep_until(clock, Time{Duration{at}});
  finished->push_back(value);
  co_return value;
}

Task<int64_t> join_three(VirtualClock& clock, std::vector<int>* finished, std::vector<int>* results) {
  std::vector<Task<int>> tasks;
  tasks.push_back(after(clock, 30, 1, finished));
  tasks.push_back(after(clock, 10, 2, finished));
  tasks.push_back(after(clock, 20, 3, finished));
  *results = co_await when_all(std::move(tasks));
  co_return clock.now().time_since_epoch().count();
}

// when_all runs its tasks side by side, resumes the caller at the moment the last finishes (not
// before, not on a polling tick after), and gives the results in the tasks' order.
TEST(Task, WhenAllResumesWhenTheLastFinishesWithResultsInOrder) {
  VirtualClock clock(Time{});
  std::vector<int> finished, results;
  EXPECT_EQ(run_to_completion(clock, join_three(clock, &finished, &results)), 30);
  EXPECT_EQ(finished, (std::vector<int>{2, 3, 1}));
  EXPECT_EQ(results, (std::vector<int>{1, 2, 3}));
}

Task<void> count_up(int* n) {
  ++*n;
  co_return;
}

Task<int> join_ready(int* n) {
  std::vector<Task<void>> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(count_up(n));
  co_await when_all(std::move(tasks));
  std::vector<Task<void>> none;
  co_await when_all(std::move(none));
  co_return *n;
}

// Tasks that finish without suspending (and an empty set) join at once, with no timer involved.
TEST(Task, WhenAllOfTasksThatFinishAtOnceNeedsNoLoop) {
  VirtualClock clock(Time{});
  int n = 0;
  EXPECT_EQ(run_to_completion(clock, join_ready(&n)), 5);
  EXPECT_EQ(clock.now(), Time{});
}

TEST(VirtualClock, RunUntilLeavesLaterTimersAndStopsTimeAtTheLimit) {
  VirtualClock clock(Time{});
  std::vector<std::pair<int, int64_t>> log;
  spawn(wake(clock, Time{Duration{5}}, 1, &log));
  spawn(wake(clock, Time{Duration{50}}, 2, &log));
  EXPECT_EQ(clock.run_until(Time{Duration{30}}), 1u);
  EXPECT_EQ(clock.now(), Time{Duration{30}});
  EXPECT_FALSE(clock.idle());
  EXPECT_EQ(clock.run(), 1u);
  EXPECT_EQ(log, (std::vector<std::pair<int, int64_t>>{{1, 5}, {2, 50}}));
  EXPECT_THROW(clock.advance_to(Time{Duration{49}}), std::logic_error) << "time never goes backwards";
}

// A sleep that is already due does not suspend: it neither waits for the loop nor reorders.
TEST(VirtualClock, ASleepAlreadyDueDoesNotSuspend) {
  VirtualClock clock(Time{Duration{100}});
  std::vector<std::pair<int, int64_t>> log;
  spawn(wake(clock, Time{Duration{100}}, 1, &log));
  EXPECT_EQ(log, (std::vector<std::pair<int, int64_t>>{{1, 100}}));
  EXPECT_TRUE(clock.idle());
}

// Perturbed with an extra delay, some timers wake late, by at most the bound and never early; the
// same seed gives the same times.
TEST(VirtualClock, PerturbedTimersWakeLateWithinTheBoundAndNeverEarly) {
  auto times = [](uint64_t seed) {
    VirtualClock clock(Time{});
    clock.perturb(Rng(seed), Duration{1000});
    std::vector<std::pair<int, int64_t>> log;
    for (int id = 0; id < 200; ++id) spawn(wake(clock, Time{Duration{10}}, id, &log));
    clock.run();
    return log;
  };
  const auto log = times(7);
  EXPECT_EQ(log, times(7));
  ASSERT_EQ(log.size(), 200u);
  int late = 0;
  for (const auto& [id, at] : log) {
    EXPECT_GE(at, 10);
    EXPECT_LE(at, 1010);
    late += at > 10;
  }
  EXPECT_GT(late, 20) << "about one timer in four is delayed";
  EXPECT_LT(late, 100);
  EXPECT_NE(log, times(8));
}

// Perturbed, ties resume in an order drawn from the seed: the same seed gives the same order, some
// seed gives another than the order set, and time order itself never changes.
TEST(VirtualClock, PerturbedTiesFollowTheSeedAndTimeOrderHolds) {
  auto order = [](uint64_t seed) {
    VirtualClock clock(Time{});
    clock.perturb(Rng(seed));
    std::vector<std::pair<int, int64_t>> log;
    for (int id = 0; id < 8; ++id) spawn(wake(clock, Time{Duration{10}}, id, &log));
    spawn(wake(clock, Time{Duration{5}}, 100, &log));
    spawn(wake(clock, Time{Duration{20}}, 200, &log));
    clock.run();
    return log;
  };
  const auto first = order(1);
  EXPECT_EQ(first, order(1)) << "a seed gives one order";
  ASSERT_EQ(first.size(), 10u);
  EXPECT_EQ(first.front(), (std::pair<int, int64_t>{100, 5}));
  EXPECT_EQ(first.back(), (std::pair<int, int64_t>{200, 20}));
  bool some_seed_reorders = false;
  for (uint64_t seed = 1; seed <= 5 && !some_seed_reorders; ++seed) {
    const auto log = order(seed);
    for (size_t i = 2; i < 9; ++i) some_seed_reorders |= log[i].first < log[i - 1].first;
  }
  EXPECT_TRUE(some_seed_reorders) << "the 8 simultaneous timers always resumed in the order set";
}

}  // namespace
}  // namespace tenantsim
