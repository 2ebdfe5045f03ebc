#include "fakes/dynamodb/number.h"

#include <algorithm>
#include <cctype>

namespace tenantsim::dynamo {

namespace {

constexpr size_t kMaxDigits = 38;
constexpr int kMaxAdjustedExponent = 125;
constexpr int kMinAdjustedExponent = -130;

// Magnitudes as digit strings of equal length (most significant first).
std::string add_magnitudes(const std::string& a, const std::string& b) {
  std::string out(a.size() + 1, '0');
  int carry = 0;
  for (size_t i = a.size(); i-- > 0;) {
    const int d = (a[i] - '0') + (b[i] - '0') + carry;
    out[i + 1] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  out[0] = static_cast<char>('0' + carry);
  return out;
}

// REQUIRES: a >= b as magnitudes of equal length.
std::string subtract_magnitudes(const std::string& a, const std::string& b) {
  std::string out(a.size(), '0');
  int borrow = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int d = (a[i] - '0') - (b[i] - '0') - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 10;
    out[i] = static_cast<char>('0' + d);
  }
  return out;
}

}  // namespace

void Number::normalize() {
  const size_t first = digits_.find_first_not_of('0');
  if (first == std::string::npos) {
    digits_.clear();
    exponent_ = 0;
    negative_ = false;
    return;
  }
  digits_.erase(0, first);
  const size_t last = digits_.find_last_not_of('0');
  exponent_ += static_cast<int>(digits_.size() - last - 1);
  digits_.erase(last + 1);
}

bool Number::in_range(std::string* error) const {
  if (digits_.empty()) return true;
  if (digits_.size() > kMaxDigits) {
    if (error) *error = "Attempting to store more than 38 significant digits in a Number";
    return false;
  }
  const int adjusted = exponent_ + static_cast<int>(digits_.size()) - 1;
  if (adjusted > kMaxAdjustedExponent) {
    if (error) *error = "Number overflow. Attempting to store a number with magnitude larger than supported range";
    return false;
  }
  if (adjusted < kMinAdjustedExponent) {
    if (error) *error = "Number underflow. Attempting to store a number with magnitude smaller than supported range";
    return false;
  }
  return true;
}

std::optional<Number> Number::parse(std::string_view text, std::string* error) {
  auto fail = [&]() -> std::optional<Number> {
    if (error) *error = "The parameter cannot be converted to a numeric value: " + std::string(text);
    return std::nullopt;
  };
  Number n;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) n.negative_ = text[i++] == '-';
  bool any_digit = false, point = false;
  int fraction_digits = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      any_digit = true;
      n.digits_ += c;
      if (point) ++fraction_digits;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return fail();
  long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative_exponent = text[i++] == '-';
    if (i == text.size()) return fail();
    for (; i < text.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return fail();
      exponent = std::min(exponent * 10 + (text[i] - '0'), 100000L);  // far outside the range either way
    }
    if (negative_exponent) exponent = -exponent;
  }
  if (i != text.size()) return fail();
  n.exponent_ = static_cast<int>(exponent) - fraction_digits;
  n.normalize();
  if (!n.in_range(error)) return std::nullopt;
  return n;
}

std::string Number::text() const {
  if (digits_.empty()) return "0";
  std::string out = negative_ ? "-" : "";
  if (exponent_ >= 0) {
    out += digits_;
    out.append(static_cast<size_t>(exponent_), '0');
    return out;
  }
  const size_t fraction = static_cast<size_t>(-exponent_);
  if (fraction < digits_.size()) {
    out += digits_.substr(0, digits_.size() - fraction);
    out += '.';
    out += digits_.substr(digits_.size() - fraction);
  } else {
    out += "0.";
    out.append(fraction - digits_.size(), '0');
    out += digits_;
  }
  return out;
}

Number Number::negated() const {
  Number n = *this;
  if (!n.digits_.empty()) n.negative_ = !n.negative_;
  return n;
}

std::optional<Number> Number::add(const Number& a, const Number& b, std::string* error) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  // Align both to the smaller exponent, pad to one length, then add or subtract magnitudes.
  const int exponent = std::min(a.exponent_, b.exponent_);
  std::string x = a.digits_ + std::string(static_cast<size_t>(a.exponent_ - exponent), '0');
  std::string y = b.digits_ + std::string(static_cast<size_t>(b.exponent_ - exponent), '0');
  const size_t width = std::max(x.size(), y.size());
  x.insert(0, width - x.size(), '0');
  y.insert(0, width - y.size(), '0');
  Number r;
  r.exponent_ = exponent;
  if (a.negative_ == b.negative_) {
    r.digits_ = add_magnitudes(x, y);
    r.negative_ = a.negative_;
  } else if (x >= y) {
    r.digits_ = subtract_magnitudes(x, y);
    r.negative_ = a.negative_;
  } else {
    r.digits_ = subtract_magnitudes(y, x);
    r.negative_ = b.negative_;
  }
  r.normalize();
  if (!r.in_range(error)) return std::nullopt;
  return r;
}

std::strong_ordering operator<=>(const Number& a, const Number& b) {
  const int sa = a.is_zero() ? 0 : (a.negative_ ? -1 : 1);
  const int sb = b.is_zero() ? 0 : (b.negative_ ? -1 : 1);
  if (sa != sb || sa == 0) return sa <=> sb;
  // Same sign, both non-zero: compare magnitudes by adjusted exponent, then digit by digit.
  const int ea = a.exponent_ + static_cast<int>(a.digits_.size());
  const int eb = b.exponent_ + static_cast<int>(b.digits_.size());
  std::strong_ordering magnitude = ea <=> eb;
  if (magnitude == 0) {
    const size_t width = std::max(a.digits_.size(), b.digits_.size());
    std::string x = a.digits_, y = b.digits_;
    x.resize(width, '0');
    y.resize(width, '0');
    const int c = x.compare(y);
    magnitude = c <=> 0;
  }
  return sa > 0 ? magnitude : 0 <=> magnitude;
}

}  // namespace tenantsim::dynamo
