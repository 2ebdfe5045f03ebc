// Standard base64 with padding (RFC 4648 §4), over OpenSSL's codec: DynamoDB's B values, Cognito's
// SRP secret block and claim signature. (JWTs use base64url: core/auth/base64url.h.)
#pragma once

#include <optional>
#include <string>

namespace tenantsim::wire {

std::string base64_encode(const std::string& bytes);
// nullopt for a length that is not a multiple of 4 or a character outside the alphabet.
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace tenantsim::wire
