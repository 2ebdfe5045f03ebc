#include "fakes/dynamodb/attribute_value.h"

#include <fmt/format.h>

#include <algorithm>

#include "fakes/wire/base64.h"

namespace tenantsim::dynamo {

namespace {

using wire::base64_decode;
using wire::base64_encode;

constexpr std::pair<Type, const char*> kTypeNames[] = {
    {Type::kS, "S"},   {Type::kN, "N"}, {Type::kB, "B"},       {Type::kSS, "SS"},     {Type::kNS, "NS"},
    {Type::kBS, "BS"}, {Type::kL, "L"}, {Type::kM, "M"},       {Type::kNull, "NULL"}, {Type::kBool, "BOOL"},
};

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

std::optional<AttributeValue> value_at(const nlohmann::json& j, std::string* error, int depth);
std::optional<Item> item_at(const nlohmann::json& j, std::string* error, int depth);

// Parses the payload of one type tag into `v`, a value `depth` levels down its item (an item's own
// attributes are at level 1).
bool parse_payload(Type t, const nlohmann::json& p, AttributeValue& v, std::string* error, int depth) {
  v.type = t;
  const char* name = type_name(t);
  auto expect_string = [&](const nlohmann::json& x) {
    return x.is_string() || fail(error, fmt::format("Start of structure or map found where not expected for {}", name));
  };
  switch (t) {
    case Type::kS:
      if (!expect_string(p)) return false;
      v.s = p.get<std::string>();
      return true;
    case Type::kN: {
      if (!expect_string(p)) return false;
      auto n = Number::parse(p.get<std::string>(), error);
      if (!n) return false;
      v.n = *n;
      return true;
    }
    case Type::kB: {
      if (!expect_string(p)) return false;
      auto b = base64_decode(p.get<std::string>());
      if (!b) return fail(error, "Invalid Base64 value for B");
      v.s = std::move(*b);
      return true;
    }
    case Type::kSS:
    case Type::kBS:
    case Type::kNS: {
      if (!p.is_array()) return fail(error, fmt::format("Unexpected value type for {}: expected a list", name));
      if (p.empty())
        return fail(error, t == Type::kBS ? "One or more parameter values were invalid: Binary sets should not be empty"
                                          : fmt::format("One or more parameter values were invalid: An {} set  may not be empty",
                                                        t == Type::kNS ? "number" : "string"));
      std::vector<std::string> raw;
      for (const auto& x : p) {
        if (!expect_string(x)) return false;
        raw.push_back(x.get<std::string>());
      }
      auto duplicates = [&] {
        return fail(error, fmt::format("One or more parameter values were invalid: Input collection [{}] contains duplicates.",
                                       fmt::join(raw, ", ")));
      };
      if (t == Type::kNS) {
        for (const auto& r : raw) {
          auto n = Number::parse(r, error);
          if (!n) return false;
          v.numbers.push_back(*n);
        }
        std::sort(v.numbers.begin(), v.numbers.end());
        if (std::adjacent_find(v.numbers.begin(), v.numbers.end()) != v.numbers.end()) return duplicates();
        return true;
      }
      for (const auto& r : raw) {
        if (t == Type::kSS) {
          v.strings.push_back(r);
          continue;
        }
        auto b = base64_decode(r);
        if (!b) return fail(error, "Invalid Base64 value for BS");
        v.strings.push_back(std::move(*b));
      }
      std::sort(v.strings.begin(), v.strings.end());
      if (std::adjacent_find(v.strings.begin(), v.strings.end()) != v.strings.end()) return duplicates();
      return true;
    }
    case Type::kL:
      if (!p.is_array()) return fail(error, "Unexpected value type for L: expected a list");
      for (const auto& x : p) {
        auto e = value_at(x, error, depth + 1);
        if (!e) return false;
        v.list.push_back(std::move(*e));
      }
      return true;
    case Type::kM: {
      if (!p.is_object()) return fail(error, "Unexpected value type for M: expected a map");
      auto m = item_at(p, error, depth + 1);
      if (!m) return false;
      v.map = std::move(*m);
      return true;
    }
    case Type::kNull:
      if (!p.is_boolean()) return fail(error, "Unexpected value type for NULL: expected a boolean");
      if (!p.get<bool>())
        return fail(error, "One or more parameter values were invalid: Null attribute value types must have the value of true");
      return true;
    case Type::kBool:
      if (!p.is_boolean()) return fail(error, "Unexpected value type for BOOL: expected a boolean");
      v.boolean = p.get<bool>();
      return true;
  }
  return false;
}

size_t utf8_size(const std::string& s) { return s.size(); }

}  // namespace

const char* type_name(Type t) {
  for (const auto& [type, name] : kTypeNames)
    if (type == t) return name;
  return "?";
}

std::optional<Type> type_from_name(std::string_view name) {
  for (const auto& [type, n] : kTypeNames)
    if (name == n) return type;
  return std::nullopt;
}

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::kS:
    case Type::kB: return a.s == b.s;
    case Type::kN: return a.n == b.n;
    case Type::kSS:
    case Type::kBS: return a.strings == b.strings;
    case Type::kNS: return a.numbers == b.numbers;
    case Type::kL: return a.list == b.list;
    case Type::kM: return a.map == b.map;
    case Type::kNull: return true;
    case Type::kBool: return a.boolean == b.boolean;
  }
  return false;
}

namespace {

std::optional<AttributeValue> value_at(const nlohmann::json& j, std::string* error, int depth) {
  // DynamoDB's documented limit: attributes nest up to 32 levels. Past it the walk stops, so no
  // item can be deep enough to exhaust the stack of this or any later recursive walk.
  if (depth > kMaxNestingLevels) {
    fail(error, "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit");
    return std::nullopt;
  }
  if (!j.is_object()) {
    fail(error, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
    return std::nullopt;
  }
  if (j.size() > 1) {
    fail(error, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
    return std::nullopt;
  }
  if (j.empty()) {
    fail(error, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
    return std::nullopt;
  }
  const auto t = type_from_name(j.begin().key());
  if (!t) {
    fail(error, fmt::format("Supplied AttributeValue has an unknown datatype: {}", j.begin().key()));
    return std::nullopt;
  }
  AttributeValue v;
  if (!parse_payload(*t, j.begin().value(), v, error, depth)) return std::nullopt;
  return v;
}

std::optional<Item> item_at(const nlohmann::json& j, std::string* error, int depth) {
  if (!j.is_object()) {
    fail(error, "Expected a map of attribute names to values");
    return std::nullopt;
  }
  Item item;
  for (const auto& [name, value] : j.items()) {
    auto v = value_at(value, error, depth);
    if (!v) return std::nullopt;
    item.emplace(name, std::move(*v));
  }
  return item;
}

}  // namespace

std::optional<AttributeValue> from_json(const nlohmann::json& j, std::string* error) { return value_at(j, error, 1); }
std::optional<Item> item_from_json(const nlohmann::json& j, std::string* error) { return item_at(j, error, 1); }

nlohmann::json to_json(const AttributeValue& v) {
  nlohmann::json payload;
  switch (v.type) {
    case Type::kS: payload = v.s; break;
    case Type::kN: payload = v.n.text(); break;
    case Type::kB: payload = base64_encode(v.s); break;
    case Type::kSS: payload = v.strings; break;
    case Type::kBS:
      payload = nlohmann::json::array();
      for (const auto& b : v.strings) payload.push_back(base64_encode(b));
      break;
    case Type::kNS:
      payload = nlohmann::json::array();
      for (const auto& n : v.numbers) payload.push_back(n.text());
      break;
    case Type::kL:
      payload = nlohmann::json::array();
      for (const auto& e : v.list) payload.push_back(to_json(e));
      break;
    case Type::kM: payload = to_json(v.map); break;
    case Type::kNull: payload = true; break;
    case Type::kBool: payload = v.boolean; break;
  }
  return nlohmann::json{{type_name(v.type), std::move(payload)}};
}

nlohmann::json to_json(const Item& item) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : item) out[name] = to_json(value);
  return out;
}

std::strong_ordering key_order(const AttributeValue& a, const AttributeValue& b) {
  if (a.type == Type::kN) return a.n <=> b.n;
  // Bytes compare unsigned, as DynamoDB orders S by UTF-8 bytes and B by unsigned bytes.
  const int c = a.s.compare(b.s);
  return c <=> 0;
}

std::optional<std::strong_ordering> compare(const AttributeValue& a, const AttributeValue& b) {
  if (a.type != b.type) return std::nullopt;
  if (a.type != Type::kS && a.type != Type::kN && a.type != Type::kB) return std::nullopt;
  return key_order(a, b);
}

size_t value_size(const AttributeValue& v) {
  switch (v.type) {
    case Type::kS:
    case Type::kB: return utf8_size(v.s);
    case Type::kN: return (v.n.digits() + 1) / 2 + 1;
    case Type::kSS:
    case Type::kBS: {
      size_t n = 0;
      for (const auto& s : v.strings) n += s.size();
      return n;
    }
    case Type::kNS: {
      size_t n = 0;
      for (const auto& x : v.numbers) n += (x.digits() + 1) / 2 + 1;
      return n;
    }
    case Type::kL: {
      size_t n = 3;
      for (const auto& e : v.list) n += 1 + value_size(e);
      return n;
    }
    case Type::kM: {
      size_t n = 3;
      for (const auto& [name, e] : v.map) n += 1 + name.size() + value_size(e);
      return n;
    }
    case Type::kNull:
    case Type::kBool: return 1;
  }
  return 0;
}

size_t item_size(const Item& item) {
  size_t n = 0;
  for (const auto& [name, value] : item) n += name.size() + value_size(value);
  return n;
}

std::string describe(const AttributeValue& v) { return fmt::format("{{{}:{}}}", type_name(v.type), to_json(v).begin()->dump()); }

}  // namespace tenantsim::dynamo
