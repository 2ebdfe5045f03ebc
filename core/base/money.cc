#include "core/base/money.h"

#include <fmt/format.h>

#include <stdexcept>

namespace tenantsim {

Money& Money::operator+=(Money o) {
  if (__builtin_add_overflow(pico, o.pico, &pico)) throw std::overflow_error("money sum overflows int64 pico-dollars");
  return *this;
}

Money& Money::operator-=(Money o) {
  if (__builtin_sub_overflow(pico, o.pico, &pico)) throw std::overflow_error("money difference overflows int64 pico-dollars");
  return *this;
}

Money Money::times(Money unit_price, int64_t quantity) {
  Money out;
  if (__builtin_mul_overflow(unit_price.pico, quantity, &out.pico))
    throw std::overflow_error("money product overflows int64 pico-dollars");
  return out;
}

std::string Money::to_usd_string() const {
  const bool neg = pico < 0;
  const uint64_t abs = neg ? uint64_t(0) - static_cast<uint64_t>(pico) : static_cast<uint64_t>(pico);
  std::string frac = fmt::format("{:012d}", abs % static_cast<uint64_t>(kPicoPerDollar));
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  return fmt::format("{}{}.{}", neg ? "-" : "", abs / static_cast<uint64_t>(kPicoPerDollar), frac);
}

std::optional<Money> parse_usd(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t whole = 0;
  size_t i = 0;
  bool any_digit = false;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, text[i] - '0', &whole))
      return std::nullopt;
    any_digit = true;
  }
  int64_t frac = 0;
  int decimals = 0;
  if (i < text.size()) {
    ++i;  // '.'
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9' || decimals == 12) return std::nullopt;
      frac = frac * 10 + (text[i] - '0');
      ++decimals;
      any_digit = true;
    }
  }
  if (!any_digit) return std::nullopt;
  for (; decimals < 12; ++decimals) frac *= 10;
  Money m;
  if (__builtin_mul_overflow(whole, Money::kPicoPerDollar, &m.pico) || __builtin_add_overflow(m.pico, frac, &m.pico))
    return std::nullopt;
  return m;
}

}  // namespace tenantsim
