// RS256 signing keys for the fake Cognito (OpenSSL 3). The public half is published as a JWK.
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace tenantsim {

class SigningKey {
 public:
  // A fresh 2048-bit RSA key. Costs tens of milliseconds: see shared_material().
  static SigningKey generate();
  // One of a few process-wide keys, generated on first use and then reused round-robin, so a
  // simulation with hundreds of silo user pools does not spend seconds in key generation.
  // Pools still differ by kid and issuer, and tokens name both under the signature.
  static SigningKey shared_material(size_t index);

  std::string sign_rs256(std::string_view signing_input) const;
  std::string jwk_n() const;  // base64url modulus
  std::string jwk_e() const;  // base64url exponent

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace tenantsim
