// Base64url without padding (RFC 7515 §2), over OpenSSL's base64 codec.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenantsim {

std::string base64url_encode(std::string_view bytes);
// nullopt on any character outside the base64url alphabet or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tenantsim
