#include "fakes/dynamodb/expression.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <type_traits>

#include "fakes/dynamodb/reserved_words.h"

namespace tenantsim::dynamo {

namespace {

// ---------------------------------------------------------------------------------------------
// Tokens

struct Token {
  enum class Kind { kEnd, kIdent, kName, kValue, kNumber, kSymbol };
  Kind kind = Kind::kEnd;
  std::string text;
  size_t pos = 0;
};

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A recursive-descent parser over one expression string. The first error wins; every parse
// function returns false once `failed()`.
class Parser {
 public:
  Parser(std::string_view text, std::string_view which, Placeholders& ph) : text_(text), which_(which), ph_(ph) {
    tokenize();
  }

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  bool at_end() const { return peek().kind == Token::Kind::kEnd; }

  bool fail(const std::string& message) {
    if (error_.empty()) error_ = fmt::format("Invalid {}: {}", which_, message);
    return false;
  }
  bool syntax_error() {
    const Token& t = peek();
    if (t.kind == Token::Kind::kEnd) return fail("Syntax error; token: \"<EOF>\", near: \"" + near(t) + "\"");
    return fail(fmt::format("Syntax error; token: \"{}\", near: \"{}\"", t.text, near(t)));
  }

  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  Token next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool is_symbol(std::string_view s, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::kSymbol && peek(ahead).text == s;
  }
  bool is_keyword(std::string_view k, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::kIdent && upper(peek(ahead).text) == k;
  }
  // DynamoDB counts the operators of an expression (AND, OR, NOT, comparators, BETWEEN, IN, + and
  // -) and refuses more than 300. Counted as they are parsed, so the refusal also bounds how deep
  // the recursive descent (and every later walk of the tree) can go.
  bool count_operator() {
    if (++operators_ <= kMaxOperators) return true;
    return fail(fmt::format("The expression contains too many operators; operator count: {}", operators_));
  }
  // Parentheses and function calls nest without an operator; more levels than the operators allow
  // can only be redundant ones, which DynamoDB refuses too.
  struct Nested {
    explicit Nested(Parser& parser) : p(parser) { ++p.nesting_; }
    ~Nested() { --p.nesting_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
    bool ok() const { return p.nesting_ <= kMaxOperators + 1 || p.fail("The expression has redundant parentheses;"); }
    Parser& p;
  };

  bool expect_symbol(std::string_view s) {
    if (!is_symbol(s)) return syntax_error();
    ++pos_;
    return true;
  }

  // ---- paths and operands

  bool path(Path& out) {
    if (!path_element(out)) return false;
    for (;;) {
      if (is_symbol(".")) {
        ++pos_;
        if (!path_element(out)) return false;
      } else if (is_symbol("[")) {
        ++pos_;
        if (peek().kind != Token::Kind::kNumber) return syntax_error();
        const std::string digits = next().text;
        if (digits.size() > 9) return fail("List index is too large");
        out.push_back(PathElement{"", std::stoi(digits)});
        if (!expect_symbol("]")) return false;
      } else {
        return true;
      }
    }
  }

  bool path_element(Path& out) {
    const Token t = peek();
    if (t.kind == Token::Kind::kName) {
      ++pos_;
      const std::string* resolved = ph_.name(t.text);
      if (!resolved)
        return fail("An expression attribute name used in the document path is not defined; attribute name: " + t.text);
      out.push_back(PathElement{*resolved, -1});
      return true;
    }
    if (t.kind == Token::Kind::kIdent) {
      ++pos_;
      if (is_reserved_word(t.text)) return fail("Attribute name is a reserved keyword; reserved keyword: " + t.text);
      out.push_back(PathElement{t.text, -1});
      return true;
    }
    return syntax_error();
  }

  bool value_placeholder(Operand& out) {
    const Token t = next();
    const AttributeValue* v = ph_.value(t.text);
    if (!v) return fail("An expression attribute value used in expression is not defined; attribute value: " + t.text);
    out.kind = Operand::Kind::kValue;
    out.value = *v;
    return true;
  }

  // A condition operand: a path, a :value or size(path).
  bool operand(Operand& out) {
    const Token& t = peek();
    if (t.kind == Token::Kind::kValue) return value_placeholder(out);
    if (t.kind == Token::Kind::kIdent && is_symbol("(", 1)) {
      const std::string fn = t.text;
      if (fn != "size") {
        if (is_condition_function(fn) || fn == "if_not_exists" || fn == "list_append")
          return fail("The function is not allowed to be used this way in an expression; function: " + fn);
        return fail("Invalid function name; function: " + fn);
      }
      pos_ += 2;
      out.kind = Operand::Kind::kSize;
      if (!path(out.path)) return false;
      return expect_symbol(")");
    }
    out.kind = Operand::Kind::kPath;
    return path(out.path);
  }

  static bool is_condition_function(const std::string& fn) {
    return fn == "attribute_exists" || fn == "attribute_not_exists" || fn == "attribute_type" || fn == "begins_with" ||
           fn == "contains";
  }

  // ---- conditions: OR < AND < NOT < comparisons and functions

  bool condition(Condition& out) { return left_associative(out, "OR", Condition::Kind::kOr, &Parser::conjunction); }
  bool conjunction(Condition& out) { return left_associative(out, "AND", Condition::Kind::kAnd, &Parser::negation); }

  // side (KEYWORD side)*, folded to the left.
  bool left_associative(Condition& out, std::string_view keyword, Condition::Kind kind, bool (Parser::*side)(Condition&)) {
    if (!(this->*side)(out)) return false;
    while (is_keyword(keyword)) {
      ++pos_;
      if (!count_operator()) return false;
      Condition rhs;
      if (!(this->*side)(rhs)) return false;
      out = Condition{kind, "", {}, {std::move(out), std::move(rhs)}};
    }
    return true;
  }

  bool negation(Condition& out) {
    if (is_keyword("NOT")) {
      ++pos_;
      if (!count_operator()) return false;
      Condition inner;
      if (!negation(inner)) return false;
      out = Condition{Condition::Kind::kNot, "", {}, {std::move(inner)}};
      return true;
    }
    return primary(out);
  }

  bool primary(Condition& out) {
    if (is_symbol("(")) {
      ++pos_;
      const Nested nested(*this);
      if (!nested.ok() || !condition(out)) return false;
      return expect_symbol(")");
    }
    const Token& t = peek();
    if (t.kind == Token::Kind::kIdent && is_symbol("(", 1) && is_condition_function(t.text)) return function(out);
    Operand lhs;
    if (!operand(lhs)) return false;
    if (is_keyword("BETWEEN")) {
      ++pos_;
      if (!count_operator()) return false;
      Operand lo, hi;
      if (!operand(lo)) return false;
      if (!is_keyword("AND")) return syntax_error();
      ++pos_;
      if (!operand(hi)) return false;
      for (const Operand* o : {&lo, &hi})
        if (!comparable_operand(*o, "BETWEEN")) return false;
      if (lo.kind == Operand::Kind::kValue && hi.kind == Operand::Kind::kValue && lo.value.type == hi.value.type &&
          key_order(lo.value, hi.value) > 0)
        return fail(fmt::format("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                                "lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                                describe(lo.value), describe(hi.value)));
      out = Condition{Condition::Kind::kBetween, "BETWEEN", {std::move(lhs), std::move(lo), std::move(hi)}, {}};
      return true;
    }
    if (is_keyword("IN")) {
      ++pos_;
      if (!count_operator() || !expect_symbol("(")) return false;
      out = Condition{Condition::Kind::kIn, "IN", {std::move(lhs)}, {}};
      for (;;) {
        Operand o;
        if (!operand(o)) return false;
        out.operands.push_back(std::move(o));
        if (is_symbol(",")) {
          ++pos_;
          continue;
        }
        break;
      }
      if (out.operands.size() > 101)
        return fail("The IN operator is provided with too many operands; number of operands: " +
                    std::to_string(out.operands.size() - 1));
      return expect_symbol(")");
    }
    static const char* kComparators[] = {"=", "<>", "<", "<=", ">", ">="};
    for (const char* op : kComparators) {
      if (!is_symbol(op)) continue;
      ++pos_;
      if (!count_operator()) return false;
      Operand rhs;
      if (!operand(rhs)) return false;
      if (std::string_view(op) != "=" && std::string_view(op) != "<>") {
        if (!comparable_operand(lhs, op) || !comparable_operand(rhs, op)) return false;
      }
      out = Condition{Condition::Kind::kCompare, op, {std::move(lhs), std::move(rhs)}, {}};
      return true;
    }
    return syntax_error();
  }

  // <, <=, >, >= and BETWEEN take only S, N and B values.
  bool comparable_operand(const Operand& o, std::string_view op) {
    if (o.kind != Operand::Kind::kValue) return true;
    const Type t = o.value.type;
    if (t == Type::kS || t == Type::kN || t == Type::kB) return true;
    return fail(fmt::format("Incorrect operand type for operator or function; operator: {}, operand type: {}", op,
                            type_name(t)));
  }

  bool function(Condition& out) {
    const std::string fn = next().text;
    ++pos_;  // (
    std::vector<Operand> args;
    if (!is_symbol(")")) {
      for (;;) {
        Operand o;
        if (!operand(o)) return false;
        args.push_back(std::move(o));
        if (!is_symbol(",")) break;
        ++pos_;
      }
    }
    if (!expect_symbol(")")) return false;
    const size_t arity = (fn == "attribute_exists" || fn == "attribute_not_exists") ? 1 : 2;
    if (args.size() != arity)
      return fail(fmt::format("Incorrect number of operands for operator or function; operator or function: {}, number of operands: {}",
                              fn, args.size()));
    if (fn != "contains" && args[0].kind != Operand::Kind::kPath)
      return fail(fmt::format("Operator or function requires a document path; operator or function: {}", fn));
    if (fn == "attribute_exists") {
      out = Condition{Condition::Kind::kExists, fn, std::move(args), {}};
    } else if (fn == "attribute_not_exists") {
      out = Condition{Condition::Kind::kNotExists, fn, std::move(args), {}};
    } else if (fn == "attribute_type") {
      if (args[1].kind != Operand::Kind::kValue || args[1].value.type != Type::kS)
        return fail("Incorrect operand type for operator or function; operator or function: attribute_type, operand type: " +
                    std::string(args[1].kind == Operand::Kind::kValue ? type_name(args[1].value.type) : "path"));
      if (!type_from_name(args[1].value.s))
        return fail("Invalid attribute type name found in type operand; operand: " + args[1].value.s);
      out = Condition{Condition::Kind::kType, fn, std::move(args), {}};
    } else if (fn == "begins_with") {
      if (args[1].kind == Operand::Kind::kValue && args[1].value.type != Type::kS && args[1].value.type != Type::kB)
        return fail(fmt::format("Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                                type_name(args[1].value.type)));
      out = Condition{Condition::Kind::kBeginsWith, fn, std::move(args), {}};
    } else {
      out = Condition{Condition::Kind::kContains, fn, std::move(args), {}};
    }
    return true;
  }

  // ---- update expressions

  // A SET value: operand, or operand + operand, or operand - operand.
  bool set_value(Operand& out) {
    Operand lhs;
    if (!set_operand(lhs)) return false;
    if (is_symbol("+") || is_symbol("-")) {
      const bool plus = next().text == "+";
      if (!count_operator()) return false;
      Operand rhs;
      if (!set_operand(rhs)) return false;
      out = Operand{plus ? Operand::Kind::kPlus : Operand::Kind::kMinus, {}, {}, {std::move(lhs), std::move(rhs)}};
      return true;
    }
    out = std::move(lhs);
    return true;
  }

  bool set_operand(Operand& out) {
    const Token& t = peek();
    if (t.kind == Token::Kind::kValue) return value_placeholder(out);
    if (t.kind == Token::Kind::kIdent && is_symbol("(", 1)) {
      const std::string fn = t.text;
      pos_ += 2;
      const Nested nested(*this);
      if (!nested.ok()) return false;
      if (fn == "if_not_exists") {
        out.kind = Operand::Kind::kIfNotExists;
        if (!path(out.path) || !expect_symbol(",")) return false;
        Operand fallback;
        if (!set_operand(fallback)) return false;
        out.args.push_back(std::move(fallback));
        return expect_symbol(")");
      }
      if (fn == "list_append") {
        out.kind = Operand::Kind::kListAppend;
        Operand a, b;
        if (!set_operand(a) || !expect_symbol(",") || !set_operand(b)) return false;
        out.args = {std::move(a), std::move(b)};
        return expect_symbol(")");
      }
      if (is_condition_function(fn) || fn == "size")
        return fail("The function is not allowed in an update expression; function: " + fn);
      return fail("Invalid function name; function: " + fn);
    }
    out.kind = Operand::Kind::kPath;
    return path(out.path);
  }

  bool update(std::vector<UpdateAction>& out) {
    std::set<std::string> seen;
    if (at_end()) return syntax_error();
    while (!at_end()) {
      if (peek().kind != Token::Kind::kIdent) return syntax_error();
      const std::string section = upper(peek().text);
      UpdateAction::Kind kind;
      if (section == "SET") kind = UpdateAction::Kind::kSet;
      else if (section == "REMOVE") kind = UpdateAction::Kind::kRemove;
      else if (section == "ADD") kind = UpdateAction::Kind::kAdd;
      else if (section == "DELETE") kind = UpdateAction::Kind::kDelete;
      else return syntax_error();
      if (!seen.insert(section).second)
        return fail(fmt::format("The \"{}\" section can only be used once in an update expression;", section));
      ++pos_;
      for (;;) {
        UpdateAction a;
        a.kind = kind;
        if (!path(a.path)) return false;
        if (kind == UpdateAction::Kind::kSet) {
          if (!expect_symbol("=") || !set_value(a.value)) return false;
        } else if (kind != UpdateAction::Kind::kRemove) {
          if (peek().kind != Token::Kind::kValue) return syntax_error();
          if (!value_placeholder(a.value)) return false;
          const Type t = a.value.value.type;
          const bool ok = kind == UpdateAction::Kind::kAdd ? (t == Type::kN || a.value.value.is_set()) : a.value.value.is_set();
          if (!ok)
            return fail(fmt::format("Incorrect operand type for operator or function; operator: {}, operand type: {}",
                                    section, type_name(t)));
        }
        out.push_back(std::move(a));
        if (!is_symbol(",")) break;
        ++pos_;
      }
    }
    return overlapping_paths(out);
  }

  // No two actions may touch the same path, or one a prefix of the other.
  bool overlapping_paths(const std::vector<UpdateAction>& actions) {
    for (size_t i = 0; i < actions.size(); ++i) {
      for (size_t j = i + 1; j < actions.size(); ++j) {
        const Path& a = actions[i].path;
        const Path& b = actions[j].path;
        const size_t common = std::min(a.size(), b.size());
        size_t k = 0;
        while (k < common && a[k] == b[k]) ++k;
        if (k == common)
          return fail(fmt::format("Two document paths overlap with each other; must remove or rewrite one of these paths; "
                                  "path one: [{}], path two: [{}]",
                                  path_list(a), path_list(b)));
        // The same position read as a map key by one and a list index by the other.
        if ((a[k].index < 0) != (b[k].index < 0))
          return fail(fmt::format("Two document paths conflict with each other; must remove or rewrite one of these paths; "
                                  "path one: [{}], path two: [{}]",
                                  path_list(a), path_list(b)));
      }
    }
    return true;
  }

  static std::string path_list(const Path& p) {
    std::vector<std::string> parts;
    for (const auto& e : p) parts.push_back(e.index >= 0 ? "[" + std::to_string(e.index) + "]" : e.name);
    return fmt::format("{}", fmt::join(parts, ", "));
  }

  // ---- projections

  bool projection(std::vector<Path>& out) {
    for (;;) {
      Path p;
      if (!path(p)) return false;
      out.push_back(std::move(p));
      if (!is_symbol(",")) break;
      ++pos_;
    }
    return at_end() || syntax_error();
  }

 private:
  void tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      t.pos = i;
      if ((c == '#' || c == ':') && i + 1 < text_.size() && word_char(text_[i + 1])) {
        size_t j = i + 1;
        while (j < text_.size() && word_char(text_[j])) ++j;
        t.kind = c == '#' ? Token::Kind::kName : Token::Kind::kValue;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t j = i;
        while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j]))) ++j;
        t.kind = Token::Kind::kNumber;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < text_.size() && word_char(text_[j])) ++j;
        t.kind = Token::Kind::kIdent;
        t.text = std::string(text_.substr(i, j - i));
        i = j;
      } else {
        static const char* kTwo[] = {"<>", "<=", ">="};
        t.kind = Token::Kind::kSymbol;
        t.text = std::string(1, c);
        for (const char* two : kTwo)
          if (text_.substr(i, 2) == two) t.text = two;
        i += t.text.size();
        if (std::string_view("=<>()[],.+-").find(c) == std::string_view::npos) {
          t.kind = Token::Kind::kSymbol;  // an unknown character: the parser's syntax error names it
        }
      }
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.pos = text_.size();
    tokens_.push_back(end);
  }

  // DynamoDB quotes the token with its neighbours.
  std::string near(const Token& t) const {
    const size_t at = std::min(pos_, tokens_.size() - 1);
    const size_t from = at > 0 ? tokens_[at - 1].pos : t.pos;
    const size_t to = at + 1 < tokens_.size() ? tokens_[at + 1].pos + tokens_[at + 1].text.size() : text_.size();
    return std::string(text_.substr(from, std::min(to, text_.size()) - from));
  }

  std::string_view text_;
  std::string_view which_;
  Placeholders& ph_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::string error_;
  int operators_ = 0;
  int nesting_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Evaluation

std::optional<AttributeValue> operand_value(const Operand& o, const Item* item) {
  switch (o.kind) {
    case Operand::Kind::kValue: return o.value;
    case Operand::Kind::kPath: {
      const AttributeValue* v = item ? resolve(*item, o.path) : nullptr;
      if (!v) return std::nullopt;
      return *v;
    }
    case Operand::Kind::kSize: {
      const AttributeValue* v = item ? resolve(*item, o.path) : nullptr;
      if (!v) return std::nullopt;
      size_t n = 0;
      switch (v->type) {
        case Type::kS:
        case Type::kB: n = v->s.size(); break;
        case Type::kSS:
        case Type::kBS:
        case Type::kNS: n = v->set_size(); break;
        case Type::kL: n = v->list.size(); break;
        case Type::kM: n = v->map.size(); break;
        default: return std::nullopt;  // size() of N, BOOL or NULL: the condition is false
      }
      return AttributeValue::number(*Number::parse(std::to_string(n), nullptr));
    }
    default: return std::nullopt;  // update-only operands never reach conditions
  }
}

bool contains(const AttributeValue& haystack, const AttributeValue& needle) {
  switch (haystack.type) {
    case Type::kS:
      return needle.type == Type::kS && haystack.s.find(needle.s) != std::string::npos;
    case Type::kB:
      return needle.type == Type::kB && haystack.s.find(needle.s) != std::string::npos;
    case Type::kSS:
      return needle.type == Type::kS && std::binary_search(haystack.strings.begin(), haystack.strings.end(), needle.s);
    case Type::kBS:
      return needle.type == Type::kB && std::binary_search(haystack.strings.begin(), haystack.strings.end(), needle.s);
    case Type::kNS:
      return needle.type == Type::kN && std::binary_search(haystack.numbers.begin(), haystack.numbers.end(), needle.n);
    case Type::kL:
      return std::find(haystack.list.begin(), haystack.list.end(), needle) != haystack.list.end();
    default: return false;
  }
}

bool fail_with(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

std::optional<AttributeValue> update_value(const Operand& o, const Item& item, std::string* error) {
  switch (o.kind) {
    case Operand::Kind::kValue: return o.value;
    case Operand::Kind::kPath: {
      const AttributeValue* v = resolve(item, o.path);
      if (!v) {
        fail_with(error, "The provided expression refers to an attribute that does not exist in the item");
        return std::nullopt;
      }
      return *v;
    }
    case Operand::Kind::kIfNotExists: {
      if (const AttributeValue* v = resolve(item, o.path)) return *v;
      return update_value(o.args.at(0), item, error);
    }
    case Operand::Kind::kListAppend: {
      auto a = update_value(o.args.at(0), item, error);
      if (!a) return std::nullopt;
      auto b = update_value(o.args.at(1), item, error);
      if (!b) return std::nullopt;
      if (a->type != Type::kL || b->type != Type::kL) {
        fail_with(error, fmt::format("Incorrect operand type for operator or function; operator or function: list_append, operand type: {}",
                                     type_name(a->type != Type::kL ? a->type : b->type)));
        return std::nullopt;
      }
      a->list.insert(a->list.end(), b->list.begin(), b->list.end());
      return a;
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      auto a = update_value(o.args.at(0), item, error);
      if (!a) return std::nullopt;
      auto b = update_value(o.args.at(1), item, error);
      if (!b) return std::nullopt;
      if (a->type != Type::kN || b->type != Type::kN) {
        fail_with(error, fmt::format("An operand in the update expression has an incorrect data type"));
        return std::nullopt;
      }
      auto sum = Number::add(a->n, o.kind == Operand::Kind::kPlus ? b->n : b->n.negated(), error);
      if (!sum) return std::nullopt;
      return AttributeValue::number(*sum);
    }
    case Operand::Kind::kSize: break;
  }
  fail_with(error, "Invalid operand in an update expression");
  return std::nullopt;
}

// The container that holds the path's last element, creating nothing. Null when a step is missing
// or has the wrong type.
// One step down a document path: into a map by key or a list by index; null when the value is of
// the other type or the key or index is not there. V is AttributeValue or const AttributeValue.
template <class V>
V* step(V* cur, const PathElement& e) {
  if (e.index >= 0) {
    if (cur->type != Type::kL || static_cast<size_t>(e.index) >= cur->list.size()) return nullptr;
    return &cur->list[static_cast<size_t>(e.index)];
  }
  if (cur->type != Type::kM) return nullptr;
  auto m = cur->map.find(e.name);
  return m == cur->map.end() ? nullptr : &m->second;
}

// The value at path[0..end), or null.
template <class I, class V = std::conditional_t<std::is_const_v<I>, const AttributeValue, AttributeValue>>
V* walk(I& item, const Path& path, size_t end) {
  if (path.empty() || path[0].index >= 0) return nullptr;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  V* cur = &it->second;
  for (size_t i = 1; i < end && cur; ++i) cur = step(cur, path[i]);
  return cur;
}

// The container that holds the path's last element, creating nothing. Null when a step is missing
// or has the wrong type.
AttributeValue* parent_of(Item& item, const Path& path, bool& top_level) {
  top_level = path.size() == 1;
  if (top_level) return nullptr;
  return walk(item, path, path.size() - 1);
}

bool assign(Item& item, const Path& path, AttributeValue value, std::string* error) {
  bool top = false;
  AttributeValue* parent = parent_of(item, path, top);
  if (top) {
    item[path[0].name] = std::move(value);
    return true;
  }
  const auto& last = path.back();
  if (parent && last.index >= 0 && parent->type == Type::kL) {
    // An index past the end appends, as DynamoDB does.
    if (static_cast<size_t>(last.index) >= parent->list.size()) {
      parent->list.push_back(std::move(value));
    } else {
      parent->list[static_cast<size_t>(last.index)] = std::move(value);
    }
    return true;
  }
  if (parent && last.index < 0 && parent->type == Type::kM) {
    parent->map[last.name] = std::move(value);
    return true;
  }
  return fail_with(error, "The document path provided in the update expression is invalid for update");
}

AttributeValue* find_mutable(Item& item, const Path& path) { return walk(item, path, path.size()); }

// REMOVE: a missing attribute or list element is no error, but a missing or mistyped parent is.
bool remove_path(Item& item, const Path& path, std::string* error) {
  bool top = false;
  AttributeValue* parent = parent_of(item, path, top);
  if (top) {
    item.erase(path[0].name);
    return true;
  }
  const auto& last = path.back();
  if (parent && last.index >= 0 && parent->type == Type::kL) {
    if (static_cast<size_t>(last.index) < parent->list.size()) parent->list.erase(parent->list.begin() + last.index);
    return true;
  }
  if (parent && last.index < 0 && parent->type == Type::kM) {
    parent->map.erase(last.name);
    return true;
  }
  return fail_with(error, "The document path provided in the update expression is invalid for update");
}

// ADD and DELETE need the parent of their path to exist, as SET does.
bool parent_exists(Item& item, const Path& path) {
  bool top = false;
  AttributeValue* parent = parent_of(item, path, top);
  if (top) return true;
  return parent && (path.back().index >= 0 ? parent->type == Type::kL : parent->type == Type::kM);
}

bool set_type_mismatch(std::string* error) {
  return fail_with(error, "An operand in the update expression has an incorrect data type");
}

// ADD of a set, or DELETE from one: the union or the difference, same set type only.
bool merge_set(AttributeValue& target, const AttributeValue& delta, bool add, std::string* error) {
  if (target.type != delta.type) return set_type_mismatch(error);
  if (target.type == Type::kNS) {
    std::vector<Number> out;
    if (add) {
      std::set_union(target.numbers.begin(), target.numbers.end(), delta.numbers.begin(), delta.numbers.end(),
                     std::back_inserter(out));
    } else {
      std::set_difference(target.numbers.begin(), target.numbers.end(), delta.numbers.begin(), delta.numbers.end(),
                          std::back_inserter(out));
    }
    target.numbers = std::move(out);
  } else {
    std::vector<std::string> out;
    if (add) {
      std::set_union(target.strings.begin(), target.strings.end(), delta.strings.begin(), delta.strings.end(),
                     std::back_inserter(out));
    } else {
      std::set_difference(target.strings.begin(), target.strings.end(), delta.strings.begin(), delta.strings.end(),
                          std::back_inserter(out));
    }
    target.strings = std::move(out);
  }
  return true;
}

bool project_into(const AttributeValue& source, const std::vector<Path>& paths, size_t depth, AttributeValue& out);

// Projects `paths` (all sharing their first `depth` elements) of a map or list value. False when
// none of them exists in `source`: a path into a missing key, a short list or another type
// selects nothing, and leaves no empty container behind.
bool project_children(const AttributeValue& source, const std::vector<Path>& paths, size_t depth, AttributeValue& out) {
  out.type = source.type;
  bool any = false;
  if (source.type == Type::kM) {
    std::map<std::string, std::vector<Path>> groups;
    for (const auto& p : paths)
      if (p[depth].index < 0) groups[p[depth].name].push_back(p);
    for (const auto& [key, group] : groups) {
      auto it = source.map.find(key);
      if (it == source.map.end()) continue;
      AttributeValue child;
      if (!project_into(it->second, group, depth + 1, child)) continue;
      out.map.emplace(key, std::move(child));
      any = true;
    }
  } else if (source.type == Type::kL) {
    std::map<int, std::vector<Path>> groups;
    for (const auto& p : paths)
      if (p[depth].index >= 0) groups[p[depth].index].push_back(p);
    for (const auto& [index, group] : groups) {
      if (static_cast<size_t>(index) >= source.list.size()) continue;
      AttributeValue child;
      if (!project_into(source.list[static_cast<size_t>(index)], group, depth + 1, child)) continue;
      out.list.push_back(std::move(child));
      any = true;
    }
  }
  return any;
}

bool project_into(const AttributeValue& source, const std::vector<Path>& paths, size_t depth, AttributeValue& out) {
  for (const auto& p : paths) {
    if (p.size() == depth) {  // one path ends here: the whole value
      out = source;
      return true;
    }
  }
  return project_children(source, paths, depth, out);
}

}  // namespace

std::string path_text(const Path& p) {
  std::string out;
  for (const auto& e : p) {
    if (e.index >= 0) {
      out += "[" + std::to_string(e.index) + "]";
    } else {
      out += (out.empty() ? "" : ".") + e.name;
    }
  }
  return out;
}

const std::string* Placeholders::name(const std::string& key) {
  auto it = names_.find(key);
  if (it == names_.end()) return nullptr;
  used_names_.insert(key);
  return &it->second;
}

const AttributeValue* Placeholders::value(const std::string& key) {
  auto it = values_.find(key);
  if (it == values_.end()) return nullptr;
  used_values_.insert(key);
  return &it->second;
}

std::string Placeholders::unused() const {
  std::vector<std::string> names, values;
  for (const auto& [k, v] : names_)
    if (!used_names_.count(k)) names.push_back(k);
  for (const auto& [k, v] : values_)
    if (!used_values_.count(k)) values.push_back(k);
  if (!values.empty())
    return fmt::format("Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}", fmt::join(values, ", "));
  if (!names.empty())
    return fmt::format("Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}", fmt::join(names, ", "));
  return "";
}

namespace {

// The steps every expression parser shares: refuse an empty expression, run `parse` over the whole
// text, and report the first error in the service's words.
template <class T, class Parse>
std::optional<T> parse_whole(std::string_view text, std::string_view which, Placeholders& ph, std::string* error,
                             Parse parse) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (error) *error = fmt::format("Invalid {}: The expression can not be empty;", which);
    return std::nullopt;
  }
  // Measured on the raw string, before any placeholder is substituted, and before parsing.
  if (text.size() > kMaxExpressionBytes) {
    if (error)
      *error = fmt::format("Invalid {}: Expression size has exceeded the maximum allowed size; expression size: {}", which,
                           text.size());
    return std::nullopt;
  }
  Parser p(text, which, ph);
  T out;
  if (!parse(p, out)) {
    if (error) *error = p.error();
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<Condition> parse_condition(std::string_view text, std::string_view which, Placeholders& ph,
                                         std::string* error) {
  return parse_whole<Condition>(text, which, ph, error, [](Parser& p, Condition& c) {
    return p.condition(c) && (p.at_end() || p.syntax_error());
  });
}

std::optional<std::vector<UpdateAction>> parse_update(std::string_view text, Placeholders& ph, std::string* error) {
  return parse_whole<std::vector<UpdateAction>>(text, "UpdateExpression", ph, error,
                                                [](Parser& p, std::vector<UpdateAction>& a) { return p.update(a); });
}

std::optional<std::vector<Path>> parse_projection(std::string_view text, Placeholders& ph, std::string* error) {
  return parse_whole<std::vector<Path>>(text, "ProjectionExpression", ph, error,
                                        [](Parser& p, std::vector<Path>& paths) { return p.projection(paths); });
}

std::optional<KeyCondition> parse_key_condition(std::string_view text, const std::string& hash_key,
                                                const std::string& range_key, Placeholders& ph, std::string* error) {
  auto c = parse_condition(text, "KeyConditionExpression", ph, error);
  if (!c) return std::nullopt;
  auto fail = [&](std::string message) -> std::optional<KeyCondition> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  std::vector<const Condition*> terms;
  if (c->kind == Condition::Kind::kAnd) {
    for (const auto& child : c->children) {
      if (child.kind == Condition::Kind::kAnd)
        return fail("Conditions can be of length 1 or 2 only");
      terms.push_back(&child);
    }
  } else {
    terms.push_back(&*c);
  }
  KeyCondition out;
  bool have_hash = false;
  for (const Condition* t : terms) {
    const bool supported = t->kind == Condition::Kind::kCompare || t->kind == Condition::Kind::kBetween ||
                           t->kind == Condition::Kind::kBeginsWith;
    if (!supported || (t->kind == Condition::Kind::kCompare && t->op == "<>"))
      return fail(fmt::format("Invalid operator used in KeyConditionExpression: {}",
                              t->kind == Condition::Kind::kCompare ? t->op : upper(t->op)));
    const Operand& subject = t->operands.at(0);
    if (subject.kind != Operand::Kind::kPath || subject.path.size() != 1 || subject.path[0].index >= 0)
      return fail("Invalid condition in KeyConditionExpression: Nested attributes are not allowed in key conditions");
    for (size_t i = 1; i < t->operands.size(); ++i)
      if (t->operands[i].kind != Operand::Kind::kValue)
        return fail("Invalid KeyConditionExpression: The key condition may only compare a key to a value");
    const std::string& name = subject.path[0].name;
    if (name == hash_key) {
      if (t->kind != Condition::Kind::kCompare || t->op != "=" || have_hash)
        return fail("Query key condition not supported");
      have_hash = true;
      out.partition = t->operands[1].value;
    } else if (!range_key.empty() && name == range_key) {
      if (out.sort) return fail("KeyConditionExpressions must only contain one condition per key");
      out.sort = *t;
    } else {
      return fail("Query condition missed key schema element: " + (have_hash || hash_key.empty() ? range_key : hash_key));
    }
  }
  if (!have_hash) return fail("Query condition missed key schema element: " + hash_key);
  return out;
}

const AttributeValue* resolve(const Item& item, const Path& path) { return walk(item, path, path.size()); }

bool evaluate(const Condition& c, const Item* item) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kAnd: return evaluate(c.children.at(0), item) && evaluate(c.children.at(1), item);
    case K::kOr: return evaluate(c.children.at(0), item) || evaluate(c.children.at(1), item);
    case K::kNot: return !evaluate(c.children.at(0), item);
    case K::kExists: return item && resolve(*item, c.operands.at(0).path);
    case K::kNotExists: return !item || !resolve(*item, c.operands.at(0).path);
    case K::kType: {
      const AttributeValue* v = item ? resolve(*item, c.operands.at(0).path) : nullptr;
      return v && type_name(v->type) == c.operands.at(1).value.s;
    }
    case K::kBeginsWith: {
      auto a = operand_value(c.operands.at(0), item);
      auto b = operand_value(c.operands.at(1), item);
      if (!a || !b || a->type != b->type || (a->type != Type::kS && a->type != Type::kB)) return false;
      return a->s.starts_with(b->s);
    }
    case K::kContains: {
      auto a = operand_value(c.operands.at(0), item);
      auto b = operand_value(c.operands.at(1), item);
      return a && b && contains(*a, *b);
    }
    case K::kIn: {
      auto a = operand_value(c.operands.at(0), item);
      if (!a) return false;
      for (size_t i = 1; i < c.operands.size(); ++i) {
        auto b = operand_value(c.operands[i], item);
        if (b && *a == *b) return true;
      }
      return false;
    }
    case K::kBetween: {
      auto a = operand_value(c.operands.at(0), item);
      auto lo = operand_value(c.operands.at(1), item);
      auto hi = operand_value(c.operands.at(2), item);
      if (!a || !lo || !hi) return false;
      auto x = compare(*a, *lo);
      auto y = compare(*a, *hi);
      return x && y && *x >= 0 && *y <= 0;
    }
    case K::kCompare: {
      auto a = operand_value(c.operands.at(0), item);
      auto b = operand_value(c.operands.at(1), item);
      // A missing operand is unequal to everything: <> holds, every other comparison fails.
      if (c.op == "=") return a && b && *a == *b;
      if (c.op == "<>") return !a || !b || !(*a == *b);
      if (!a || !b) return false;
      auto r = compare(*a, *b);
      if (!r) return false;
      if (c.op == "<") return *r < 0;
      if (c.op == "<=") return *r <= 0;
      if (c.op == ">") return *r > 0;
      return *r >= 0;
    }
  }
  return false;
}

std::optional<Item> apply_update(const Item& item, const std::vector<UpdateAction>& actions,
                                 const std::set<std::string>& key_names, std::string* error) {
  for (const auto& a : actions) {
    if (key_names.count(a.path.at(0).name)) {
      fail_with(error, fmt::format("One or more parameter values were invalid: Cannot update attribute {}. This attribute is part of the key",
                                   a.path[0].name));
      return std::nullopt;
    }
  }
  // Every value is computed from the item as it was, then the actions apply; list removals go from
  // the highest index down, so each index means what it meant in the original item.
  Item next = item;
  std::vector<std::pair<const UpdateAction*, AttributeValue>> sets;
  for (const auto& a : actions) {
    if (a.kind != UpdateAction::Kind::kSet) continue;
    auto v = update_value(a.value, item, error);
    if (!v) return std::nullopt;
    sets.emplace_back(&a, std::move(*v));
  }
  for (auto& [a, v] : sets)
    if (!assign(next, a->path, std::move(v), error)) return std::nullopt;
  std::vector<const UpdateAction*> removes;
  for (const auto& a : actions)
    if (a.kind == UpdateAction::Kind::kRemove) removes.push_back(&a);
  std::stable_sort(removes.begin(), removes.end(),
                   [](const UpdateAction* x, const UpdateAction* y) { return x->path.back().index > y->path.back().index; });
  for (const auto* a : removes)
    if (!remove_path(next, a->path, error)) return std::nullopt;
  for (const auto& a : actions) {
    if (a.kind != UpdateAction::Kind::kAdd && a.kind != UpdateAction::Kind::kDelete) continue;
    const bool add = a.kind == UpdateAction::Kind::kAdd;
    const AttributeValue& delta = a.value.value;
    if (!parent_exists(next, a.path)) {
      fail_with(error, "The document path provided in the update expression is invalid for update");
      return std::nullopt;
    }
    AttributeValue* target = find_mutable(next, a.path);
    if (!target) {
      if (!add) continue;  // DELETE from a missing set: nothing to do
      if (!assign(next, a.path, delta, error)) return std::nullopt;
      continue;
    }
    if (add && delta.type == Type::kN) {
      if (target->type != Type::kN) {
        set_type_mismatch(error);
        return std::nullopt;
      }
      auto sum = Number::add(target->n, delta.n, error);
      if (!sum) return std::nullopt;
      target->n = *sum;
      continue;
    }
    if (!merge_set(*target, delta, add, error)) return std::nullopt;
    if (target->set_size() == 0 && !remove_path(next, a.path, error)) return std::nullopt;  // a set may not be empty
  }
  return next;
}

Item project(const Item& item, const std::vector<Path>& paths) {
  AttributeValue root;
  root.type = Type::kM;
  root.map = item;
  AttributeValue out;
  project_children(root, paths, 0, out);
  return out.map;
}

}  // namespace tenantsim::dynamo
