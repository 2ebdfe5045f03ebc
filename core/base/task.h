// Task<T>: the one asynchronous style of tenantsim. Every port call returns a Task, a lazy C++20
// coroutine that starts when awaited and resumes its awaiter when done (symmetric transfer, so
// long chains of immediately-completing calls use no stack). A fake that answers at once completes
// inline; one with latency suspends on Clock::sleep_until and is resumed by whichever loop drives
// the clock (the virtual-time simulator, or a wall-clock asio io_context). Core code cannot tell.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace tenantsim {

template <class T>
class Task;

namespace detail {

struct PromiseBase {
  std::coroutine_handle<> continuation_;
  std::exception_ptr exception_;

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto c = h.promise().continuation_;
      return c ? c : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }
};

template <class T>
struct Promise : PromiseBase {
  std::optional<T> value_;
  Task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }
  T take() {
    if (exception_) std::rethrow_exception(exception_);
    return std::move(*value_);
  }
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (exception_) std::rethrow_exception(exception_);
  }
};

}  // namespace detail

template <class T = void>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  explicit Task(Handle h) noexcept : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    h_.promise().continuation_ = awaiter;
    return h_;
  }
  T await_resume() { return h_.promise().take(); }

  // For drivers: start without an awaiter, and ask whether it has finished.
  bool done() const noexcept { return h_ && h_.done(); }
  void start() { h_.resume(); }
  T result() { return h_.promise().take(); }

 private:
  Handle h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>{std::coroutine_handle<Promise<T>>::from_promise(*this)};
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>{std::coroutine_handle<Promise<void>>::from_promise(*this)};
}

// A fire-and-forget coroutine that owns a Task and destroys itself when the Task finishes.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};
}  // namespace detail

// Starts t now and lets it run to completion on its own; t must not throw.
// The caller keeps whatever t refers to alive until it finishes (drivers track completion themselves).
inline void spawn(Task<void> t) {
  [](Task<void> task) -> detail::Detached { co_await task; }(std::move(t));
}

namespace detail {
// The join of when_all: how many of its tasks are still running, and who waits for them. The
// awaiting coroutine holds one count itself until it has started every task, so a task that
// finishes at once cannot resume it before it has suspended.
struct Join {
  size_t pending = 1;
  std::coroutine_handle<> waiter;
  void done() {
    if (--pending == 0 && waiter) std::exchange(waiter, {}).resume();
  }
  struct Awaiter {
    Join& join;
    bool await_ready() noexcept { return --join.pending == 0; }
    void await_suspend(std::coroutine_handle<> h) noexcept { join.waiter = h; }
    void await_resume() noexcept {}
  };
};
template <class T>
Detached join_one(Task<T> t, Join* join, std::optional<T>* out) {
  out->emplace(co_await t);
  join->done();
}
inline Detached join_one(Task<void> t, Join* join) {
  co_await t;
  join->done();
}
}  // namespace detail

// Runs the tasks concurrently (each starts at once, in order, and runs until it first suspends)
// and resumes the caller when the last has finished, with the results in the tasks' order. Like
// spawn, the tasks must not throw. Every task and the caller resume on the loop that drives their
// clock, so the join needs no lock; it is not for tasks that move to other threads.
inline Task<void> when_all(std::vector<Task<void>> tasks) {
  detail::Join join;
  join.pending += tasks.size();
  for (auto& t : tasks) detail::join_one(std::move(t), &join);
  detail::Join::Awaiter all{join};
  co_await all;
}

template <class T>
Task<std::vector<T>> when_all(std::vector<Task<T>> tasks) {
  detail::Join join;
  join.pending += tasks.size();
  std::vector<std::optional<T>> slots(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) detail::join_one(std::move(tasks[i]), &join, &slots[i]);
  detail::Join::Awaiter all{join};
  co_await all;
  std::vector<T> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  co_return out;
}

}  // namespace tenantsim
