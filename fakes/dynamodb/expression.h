// DynamoDB's expression languages, parsed from their string syntax and evaluated against items:
// condition and filter expressions, update expressions (SET/REMOVE/ADD/DELETE with if_not_exists,
// list_append and + -), key condition expressions and projection expressions, over document
// paths (a.b[2].c) with #name and :value placeholders.
//
// Parsing resolves every placeholder up front, so an expression that parses can only fail later on
// the item's data (a wrong operand type), never on its text. Errors carry the service's messages;
// the caller turns them into ValidationException.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fakes/dynamodb/attribute_value.h"

namespace tenantsim::dynamo {

struct PathElement {
  std::string name;  // a map key (top level: the attribute name); empty for an index
  int index = -1;    // a list index, or -1
  friend bool operator==(const PathElement&, const PathElement&) = default;
};
using Path = std::vector<PathElement>;
// "a.b[2]", for messages.
std::string path_text(const Path& p);

struct Operand {
  enum class Kind { kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus };
  Kind kind = Kind::kValue;
  Path path;              // kPath, kSize, kIfNotExists
  AttributeValue value;   // kValue
  std::vector<Operand> args;  // kIfNotExists (1: the default), kListAppend, kPlus, kMinus (2)
};

struct Condition {
  enum class Kind { kCompare, kBetween, kIn, kAnd, kOr, kNot, kExists, kNotExists, kType, kBeginsWith, kContains };
  Kind kind = Kind::kCompare;
  std::string op;                 // kCompare: = <> < <= > >=
  std::vector<Operand> operands;  // kCompare 2, kBetween 3, kIn 1 + list, functions their arguments
  std::vector<Condition> children;  // kAnd, kOr 2; kNot 1
};

struct UpdateAction {
  enum class Kind { kSet, kRemove, kAdd, kDelete };
  Kind kind = Kind::kSet;
  Path path;
  Operand value;  // kSet, kAdd, kDelete
};

// The placeholders of one request, and which of them its expressions used (the service refuses
// unused ones).
class Placeholders {
 public:
  Placeholders(std::map<std::string, std::string> names, std::map<std::string, AttributeValue> values)
      : names_(std::move(names)), values_(std::move(values)) {}
  Placeholders() = default;

  const std::string* name(const std::string& key);
  const AttributeValue* value(const std::string& key);
  // The service's error for names or values that no expression used, or "".
  std::string unused() const;

 private:
  std::map<std::string, std::string> names_;
  std::map<std::string, AttributeValue> values_;
  std::set<std::string> used_names_, used_values_;
};

// DynamoDB's documented expression limits: 4 KB of expression text, 300 operators.
inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr int kMaxOperators = 300;

// Each parser returns nullopt and sets `error` ("Invalid ConditionExpression: Syntax error; ...").
std::optional<Condition> parse_condition(std::string_view text, std::string_view which /*"ConditionExpression"*/,
                                         Placeholders& ph, std::string* error);
std::optional<std::vector<UpdateAction>> parse_update(std::string_view text, Placeholders& ph, std::string* error);
std::optional<std::vector<Path>> parse_projection(std::string_view text, Placeholders& ph, std::string* error);

// A key condition, checked against the table's key schema: equality on the partition key and at
// most one condition on the sort key.
struct KeyCondition {
  AttributeValue partition;
  std::optional<Condition> sort;  // on the sort key: compare, BETWEEN or begins_with
};
std::optional<KeyCondition> parse_key_condition(std::string_view text, const std::string& hash_key,
                                                const std::string& range_key, Placeholders& ph, std::string* error);

// The value at a path, or null when any step is missing or of the wrong type.
const AttributeValue* resolve(const Item& item, const Path& path);
// A condition on an item (null item: every attribute is missing).
bool evaluate(const Condition& c, const Item* item);
// Applies update actions to a copy of `item`. Errors: a wrong operand type, a missing operand,
// a path whose parent is missing. `key_names` may not be touched.
std::optional<Item> apply_update(const Item& item, const std::vector<UpdateAction>& actions,
                                 const std::set<std::string>& key_names, std::string* error);
// The item reduced to the given paths (lists keep their projected elements in order).
Item project(const Item& item, const std::vector<Path>& paths);

}  // namespace tenantsim::dynamo
