#include "fakes/common/faults.h"

#include <fmt/format.h>

namespace tenantsim {

namespace {
Error bad(const std::string& where, const std::string& what) {
  return Error::make(ErrorKind::kBadRequest, "InvalidFaultPlan", fmt::format("{}: {}", where, what));
}

Result<Duration> read_ms(const nlohmann::json& j, const char* name, const std::string& where, int64_t scale_us) {
  if (!j.contains(name)) return Duration{0};
  const auto& v = j[name];
  if (!v.is_number() || v.get<double>() < 0) return bad(where + "." + name, "must be a non-negative number");
  return Duration{static_cast<int64_t>(v.get<double>() * static_cast<double>(scale_us))};
}
}  // namespace

Result<FaultPlan> parse_fault_plan(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return bad(where, "must be an object");
  FaultPlan plan;
  for (const auto& [key, value] : j.items()) {
    if (key == "error_rate") {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1)
        return bad(where + ".error_rate", "must be a number in [0, 1]");
      plan.error_rate = value.get<double>();
    } else if (key == "outages") {
      if (!value.is_array()) return bad(where + ".outages", "must be an array");
      for (size_t i = 0; i < value.size(); ++i) {
        const auto& o = value[i];
        const std::string w = fmt::format("{}.outages[{}]", where, i);
        OutageWindow win;
        if (!o.is_object() || !o.contains("start") || !o.contains("end") || !o["start"].is_string() ||
            !o["end"].is_string() || !parse_iso8601(o["start"].get<std::string>(), win.start) ||
            !parse_iso8601(o["end"].get<std::string>(), win.end))
          return bad(w, "needs start and end as ISO-8601 UTC times (2024-01-01T00:00:00Z)");
        if (win.end <= win.start) return bad(w, "end must be after start");
        plan.outages.push_back(win);
      }
    } else if (key == "latency") {
      if (!value.is_object()) return bad(where + ".latency", "must be an object");
      const std::string w = where + ".latency";
      for (const auto& [lk, lv] : value.items()) {
        if (lk != "base_ms" && lk != "jitter_ms" && lk != "per_unit_us" && lk != "spike_probability" && lk != "spike_ms")
          return bad(w + "." + lk, "unknown field");
      }
      auto base = read_ms(value, "base_ms", w, 1000);
      auto jitter = read_ms(value, "jitter_ms", w, 1000);
      auto per = read_ms(value, "per_unit_us", w, 1);
      auto spike = read_ms(value, "spike_ms", w, 1000);
      if (!base.ok()) return base.take_error();
      if (!jitter.ok()) return jitter.take_error();
      if (!per.ok()) return per.take_error();
      if (!spike.ok()) return spike.take_error();
      plan.latency.base = *base;
      plan.latency.jitter = *jitter;
      plan.latency.per_unit = *per;
      plan.latency.spike = *spike;
      if (value.contains("spike_probability")) {
        const auto& p = value["spike_probability"];
        if (!p.is_number() || p.get<double>() < 0 || p.get<double>() > 1)
          return bad(w + ".spike_probability", "must be a number in [0, 1]");
        plan.latency.spike_probability = p.get<double>();
      }
    } else {
      return bad(where + "." + key, "unknown field");
    }
  }
  return plan;
}

void FaultInjector::set_plan(FaultPlan plan) {
  std::lock_guard lock(mu_);
  plan_ = std::move(plan);
}

void FaultInjector::fail_call(std::optional<uint64_t> calls_from_now) {
  std::lock_guard lock(mu_);
  fail_in_ = calls_from_now;
}

bool FaultInjector::should_fail(Time now, InjectedFault who) {
  std::lock_guard lock(mu_);
  bool fail = false;
  if (fail_in_) {
    fail = *fail_in_ == 0;
    if (fail) fail_in_.reset();
    else --*fail_in_;
  }
  for (const auto& w : plan_.outages) fail |= now >= w.start && now < w.end;
  if (!fail && !(plan_.error_rate > 0 && rng_.chance(plan_.error_rate))) return false;
  who.at = now;
  if (journal_.size() < kJournalSize) journal_.push_back(std::move(who));
  else journal_[injected_ % kJournalSize] = std::move(who);
  ++injected_;
  return true;
}

std::vector<InjectedFault> FaultInjector::injected_between(Time from, Time to) const {
  std::lock_guard lock(mu_);
  std::vector<InjectedFault> out;
  const size_t n = journal_.size();
  for (size_t i = 0; i < n; ++i) {  // oldest first: the ring's next write is its oldest entry
    const auto& f = journal_[(injected_ + i) % n];
    if (f.at >= from && f.at <= to) out.push_back(f);
  }
  return out;
}

Duration FaultInjector::latency(int64_t units) {
  std::lock_guard lock(mu_);
  const auto& m = plan_.latency;
  Duration d = m.base + m.per_unit * units;
  if (m.jitter.count() > 0) d += Duration{static_cast<int64_t>(rng_.uniform(static_cast<uint64_t>(m.jitter.count()) + 1))};
  if (m.spike_probability > 0 && rng_.chance(m.spike_probability)) d += m.spike;
  return d;
}

uint64_t FaultInjector::injected_failures() const {
  std::lock_guard lock(mu_);
  return injected_;
}

}  // namespace tenantsim
