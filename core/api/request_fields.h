// Reading a request's JSON body, and the error answers every endpoint shares. A field is either
// there, a non-empty string of bounded length, or the request is refused with 400 naming it.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/money.h"
#include "core/base/result.h"

namespace tenantsim {

using Json = nlohmann::json;

inline Error bad_request(const char* name, std::string msg) {
  return Error::make(ErrorKind::kBadRequest, name, std::move(msg));
}
inline Error forbidden(const char* name, std::string msg) {
  return Error::make(ErrorKind::kForbidden, name, std::move(msg));
}

// A required, non-empty string field of at most `max` bytes.
Result<std::string> field(const Json& body, const char* name, size_t max = 256);

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

// An exact amount: {"usd": "0.0123", "pico_usd": 12300000000}.
inline Json money_json(Money m) { return Json{{"usd", m.to_usd_string()}, {"pico_usd", m.pico}}; }

}  // namespace tenantsim
