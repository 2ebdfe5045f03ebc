// The error answers every endpoint shares, and money as every answer writes it. (A request's body
// is read into a typed command by core/api/commands.h.)
#pragma once

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

// An exact amount: {"usd": "0.0123", "pico_usd": 12300000000}.
inline Json money_json(Money m) { return Json{{"usd", m.to_usd_string()}, {"pico_usd", m.pico}}; }

}  // namespace tenantsim
