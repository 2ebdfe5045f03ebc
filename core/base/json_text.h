// JSON text from and to the outside world. Every byte a client sends is hostile (DESIGN.md): a
// body nested a hundred thousand levels deep must not reach a recursive walker (dump, a converter,
// a validator) and overflow its stack, and text that is not UTF-8 must not reach a dump, which
// throws type_error.316 on it and, off a coroutine, ends the process.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tenantsim {

// How deep any JSON body a server reads may nest. Well above what any request of the APIs served
// needs (a DynamoDB item at its 32 levels of attributes is about 70 levels of JSON), well below
// what a walker's stack holds, sanitizers included.
inline constexpr int kMaxJsonDepth = 100;

// The deepest nesting of arrays and objects in `text`, counted outside strings, stopping once it
// passes `limit` (so the scan is linear and cheap on any input). Malformed text is left to the parser.
int json_depth(std::string_view text, int limit);

// Parses `text` as JSON without throwing: discarded (is_discarded()) when it is not JSON, and also
// when it nests deeper than `max_depth`; `too_deep` (optional) says which.
nlohmann::json parse_json(std::string_view text, int max_depth = kMaxJsonDepth, bool* too_deep = nullptr);

// `j` as compact JSON text, never throwing: bytes that are not UTF-8 (from a path, a header, a
// query) become U+FFFD instead of an exception. For every answer a server renders.
std::string to_json_text(const nlohmann::json& j);

// Whether `s` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace tenantsim
