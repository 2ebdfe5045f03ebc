// Published RSA test keys for the fake Cognito (see fixture_keys.cc for why they are checked in).
#pragma once

#include <array>
#include <cstddef>

namespace tenantsim {

inline constexpr size_t kFixtureKeyCount = 5;
// PKCS#8 PEM. The last key is never given to a user pool (SigningKey::outsider()).
extern const std::array<const char*, kFixtureKeyCount> kFixtureKeysPem;

}  // namespace tenantsim
