// FieldReader: validates one JSON object field by field, recording a problem (with its dotted path) for
// each bad, missing or unknown field, so a file's author sees every mistake at once, each named as
// written. Scenario files and target profiles are read with it.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "core/base/time.h"
#include "scenarios/scenario.h"

namespace tenantsim {

// Reads one JSON object, recording a problem (with its path) for each bad or unknown field.
class FieldReader {
 public:
  FieldReader(const nlohmann::json& j, std::string path, std::vector<ScenarioProblem>& problems)
      : j_(j), path_(std::move(path)), problems_(problems) {
    if (!j_.is_object()) fail(path_, "must be an object");
  }
  ~FieldReader() {
    if (!j_.is_object()) return;
    for (const auto& [k, v] : j_.items())
      if (!seen_.count(k)) fail(at(k), "unknown field");
  }

  std::string at(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }
  void fail(const std::string& path, const std::string& reason) { problems_.push_back({path, reason}); }
  const nlohmann::json* get(const std::string& k, bool required = false) {
    seen_.insert(k);
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(k);
    if (it == j_.end()) {
      if (required) fail(at(k), "is required");
      return nullptr;
    }
    return &*it;
  }

  void string(const std::string& k, std::string& out, bool required = false) {
    if (const nlohmann::json* v = get(k, required)) {
      if (v->is_string()) out = v->get<std::string>();
      else fail(at(k), "must be a string");
    }
  }
  void integer(const std::string& k, int64_t& out, int64_t lo, int64_t hi, bool required = false) {
    if (const nlohmann::json* v = get(k, required)) {
      if (!v->is_number_integer()) return fail(at(k), "must be an integer");
      const int64_t n = v->get<int64_t>();
      if (n < lo || n > hi) return fail(at(k), fmt::format("must be between {} and {}", lo, hi));
      out = n;
    }
  }
  void number(const std::string& k, double& out, double lo, double hi) {
    if (const nlohmann::json* v = get(k)) {
      if (!v->is_number()) return fail(at(k), "must be a number");
      const double d = v->get<double>();
      if (!(d >= lo && d <= hi)) return fail(at(k), fmt::format("must be between {} and {}", lo, hi));
      out = d;
    }
  }
  void boolean(const std::string& k, bool& out) {
    if (const nlohmann::json* v = get(k)) {
      if (v->is_boolean()) out = v->get<bool>();
      else fail(at(k), "must be true or false");
    }
  }
  void range(const std::string& k, IntRange& out, int64_t lo, int64_t hi) {
    if (const nlohmann::json* v = get(k)) {
      FieldReader r(*v, at(k), problems_);
      IntRange got = out;
      r.integer("min", got.min, lo, hi, true);
      r.integer("max", got.max, lo, hi, true);
      if (got.min > got.max) r.fail(at(k), "min must not exceed max");
      out = got;
    }
  }
  void time(const std::string& k, Time& out, bool required) {
    if (const nlohmann::json* v = get(k, required)) {
      if (!v->is_string() || !parse_iso8601(v->get<std::string>(), out))
        fail(at(k), "must be an ISO 8601 UTC time like 2024-01-31T00:00:00Z");
    }
  }
  std::vector<ScenarioProblem>& problems() { return problems_; }

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::vector<ScenarioProblem>& problems_;
  std::set<std::string> seen_;
};

}  // namespace tenantsim
