// Number: DynamoDB's N type, an exact decimal of up to 38 significant digits with a magnitude
// between 1E-130 and 9.99...E+125. Kept as digits and an exponent, never as a double: a count
// of pico-dollars or a 38-digit id must come back exactly as it went in, and ADD must not round.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace tenantsim::dynamo {

class Number {
 public:
  Number() = default;  // zero

  // Parses DynamoDB's number syntax ("-1.50", "1e3", "+.5"). On failure returns nullopt and sets
  // `error` to the service's message (not a number, more than 38 digits, overflow, underflow).
  static std::optional<Number> parse(std::string_view text, std::string* error);

  // Canonical text, as DynamoDB returns it: no exponent, no leading or trailing zeros ("1.5", "100").
  std::string text() const;
  // Significant digits (0 for zero): the item-size rule counts a byte per two of them.
  size_t digits() const { return digits_.size(); }
  bool is_zero() const { return digits_.empty(); }

  // a + b and a - b, exactly; nullopt (and `error`) when the result leaves the supported range.
  static std::optional<Number> add(const Number& a, const Number& b, std::string* error);
  Number negated() const;

  friend std::strong_ordering operator<=>(const Number& a, const Number& b);
  friend bool operator==(const Number& a, const Number& b) = default;

 private:
  // Checks the range and significant-digit rules on a normalized value.
  bool in_range(std::string* error) const;
  void normalize();

  bool negative_ = false;
  std::string digits_;  // no leading or trailing zeros; empty for zero
  int exponent_ = 0;    // value = digits_ × 10^exponent_
};

}  // namespace tenantsim::dynamo
