// AttributeValue: DynamoDB's whole type system (S, N, B, SS, NS, BS, L, M, NULL, BOOL) with the
// service's rules for what a valid value is, how values compare and order, and how big an item is.
// The wire form is DynamoDB's JSON ({"S": "x"}, {"N": "1.5"}, {"B": base64}, ...).
#pragma once

#include <compare>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/dynamodb/number.h"

namespace tenantsim::dynamo {

enum class Type { kS, kN, kB, kSS, kNS, kBS, kL, kM, kNull, kBool };

// "S", "N", ... as on the wire and in attribute_type().
const char* type_name(Type t);
std::optional<Type> type_from_name(std::string_view name);

struct AttributeValue {
  Type type = Type::kNull;
  std::string s;                        // S (UTF-8), B (raw bytes)
  Number n;                             // N
  std::vector<std::string> strings;     // SS, BS: sorted, unique
  std::vector<Number> numbers;          // NS: sorted, unique
  std::vector<AttributeValue> list;     // L
  std::map<std::string, AttributeValue> map;  // M
  bool boolean = false;                 // BOOL

  static AttributeValue string(std::string v) { AttributeValue a; a.type = Type::kS; a.s = std::move(v); return a; }
  static AttributeValue number(Number v) { AttributeValue a; a.type = Type::kN; a.n = v; return a; }
  static AttributeValue binary(std::string v) { AttributeValue a; a.type = Type::kB; a.s = std::move(v); return a; }
  static AttributeValue null() { return AttributeValue{}; }

  bool is_set() const { return type == Type::kSS || type == Type::kNS || type == Type::kBS; }
  size_t set_size() const { return type == Type::kNS ? numbers.size() : strings.size(); }

  friend bool operator==(const AttributeValue&, const AttributeValue&);
};

using Item = std::map<std::string, AttributeValue>;

// How deep attributes nest in DynamoDB: an item's attributes are level 1, a map or list inside one
// level 2, and so on to 32.
inline constexpr int kMaxNestingLevels = 32;

// Parses one wire value. On failure, nullopt and `error` holds the service's ValidationException
// message (empty value, two types, NULL false, empty or duplicate sets, bad number or base64,
// nesting past kMaxNestingLevels).
std::optional<AttributeValue> from_json(const nlohmann::json& j, std::string* error);
// Parses a wire item ({"name": value, ...}).
std::optional<Item> item_from_json(const nlohmann::json& j, std::string* error);

nlohmann::json to_json(const AttributeValue& v);
nlohmann::json to_json(const Item& item);

// The ordering of key values: S and B by bytes, N by value. REQUIRES: a.type == b.type, a key type.
std::strong_ordering key_order(const AttributeValue& a, const AttributeValue& b);
// Comparison operators of expressions (<, <=, >, >=): only between two S, two N or two B.
// nullopt when the values are not comparable (the condition is then false).
std::optional<std::strong_ordering> compare(const AttributeValue& a, const AttributeValue& b);

// DynamoDB's size rules: names and strings in UTF-8 bytes, numbers a byte per two significant
// digits plus one, binary in bytes, NULL and BOOL one byte, lists and maps 3 bytes plus a byte per
// element.
size_t value_size(const AttributeValue& v);
size_t item_size(const Item& item);

// For error messages: the value in DynamoDB's short text form ({S:x}, {N:1}).
std::string describe(const AttributeValue& v);

}  // namespace tenantsim::dynamo
