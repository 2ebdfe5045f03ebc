#include "harness/token_forge.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/auth/base64url.h"
#include "fakes/cognito/signing_key.h"

namespace tenantsim {

namespace {
std::string signing_input(const nlohmann::json& header, const nlohmann::json& payload) {
  return base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
}
}  // namespace

Jwt decode_jwt(const std::string& token) {
  // Never throws: a part that is not base64url JSON decodes as an empty object.
  const auto part = [](std::string_view text) {
    nlohmann::json j = nlohmann::json::parse(base64url_decode(text).value_or("{}"), nullptr, false);
    return j.is_object() ? j : nlohmann::json::object();
  };
  const auto d1 = token.find('.'), d2 = token.rfind('.');
  if (d1 == std::string::npos || d2 == d1) return Jwt{nlohmann::json::object(), nlohmann::json::object(), ""};
  return Jwt{part(std::string_view(token).substr(0, d1)), part(std::string_view(token).substr(d1 + 1, d2 - d1 - 1)),
             base64url_decode(token.substr(d2 + 1)).value_or("")};
}

std::string encode_jwt(const nlohmann::json& header, const nlohmann::json& payload, const std::string& signature) {
  return signing_input(header, payload) + "." + base64url_encode(signature);
}

std::string forge_alg_none(const Jwt& t) {
  nlohmann::json header = t.header;
  header["alg"] = "none";
  return encode_jwt(header, t.payload, "");
}

std::string forge_hs256(Jwt t, const std::string& public_secret) {
  t.header["alg"] = "HS256";
  const std::string input = signing_input(t.header, t.payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), public_secret.data(), static_cast<int>(public_secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
}

std::string forge_with_own_key(const Jwt& t) {
  static const SigningKey attacker = SigningKey::outsider();  // never published in any JWKS
  const std::string input = signing_input(t.header, t.payload);
  return input + "." + base64url_encode(attacker.sign_rs256(input));
}

}  // namespace tenantsim
