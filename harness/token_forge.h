// TokenForge: what an attacker can do to a JWT without the user pool's private key. Used by the
// scenario's adversaries and by the JWT tests, so both attack the verifier the same way.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tenantsim {

struct Jwt {
  nlohmann::json header, payload;
  std::string signature;  // raw bytes
};

// Splits and decodes a compact JWS without verifying it; parts that do not decode are empty.
Jwt decode_jwt(const std::string& token);
// Re-encodes header and payload with the given raw signature bytes.
std::string encode_jwt(const nlohmann::json& header, const nlohmann::json& payload, const std::string& signature);

// The same claims with "alg": "none" and an empty signature.
std::string forge_alg_none(const Jwt& t);
// HS256 over the token, keyed with `public_secret` (the JWKS modulus: the classic RS/HS confusion).
std::string forge_hs256(Jwt t, const std::string& public_secret);
// Signed RS256 with a key the attacker made, under the pool's kid.
std::string forge_with_own_key(const Jwt& t);

}  // namespace tenantsim
