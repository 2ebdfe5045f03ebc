// Money in integer pico-dollars (1e-12 USD). Published per-token prices are quoted per million
// tokens with at most six decimals, so every price per single token is a whole number of
// pico-dollars and every cost is exact. Sums are checked: an overflow (past ~9.2 million USD in
// one figure) is an error, never a silent wrap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tenantsim {

// For intermediate products of money and a count (a fee times microseconds, a margin times 10,000),
// which can pass int64 before the division brings them back. (-Wpedantic flags the bare keyword.)
__extension__ typedef __int128 Int128;

struct Money {
  int64_t pico = 0;

  static constexpr int64_t kPicoPerDollar = 1'000'000'000'000;

  friend bool operator==(Money, Money) = default;
  friend auto operator<=>(Money, Money) = default;
  Money& operator+=(Money o);  // throws std::overflow_error on overflow
  Money& operator-=(Money o);  // likewise; the result may be negative (a margin)
  friend Money operator+(Money a, Money b) { return a += b; }
  friend Money operator-(Money a, Money b) { return a -= b; }
  // quantity * unit price; throws std::overflow_error on overflow
  static Money times(Money unit_price, int64_t quantity);

  // "12.345678901234" (exact, trailing zeros trimmed to at least 2 decimals).
  std::string to_usd_string() const;
};

// Parses a decimal USD amount such as "0.25" or "1e-3"-free "0.000001" exactly (no floating point).
// Returns nullopt when the text is not a plain non-negative decimal with at most 12 decimals.
std::optional<Money> parse_usd(std::string_view text);

}  // namespace tenantsim
