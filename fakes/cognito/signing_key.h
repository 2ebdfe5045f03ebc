// RS256 signing keys for the fake Cognito (OpenSSL 3). The public half is published as a JWK.
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace tenantsim {

class SigningKey {
 public:
  // One of four published fixture keys (fixture_keys.cc), reused round-robin: a simulation with
  // hundreds of silo user pools would otherwise spend seconds generating keys, and fixed keys make
  // every token of a seeded run the same bytes. Pools still differ by kid and issuer, and tokens
  // name both under the signature.
  static SigningKey shared_material(size_t index);
  // One of kFreshKeyCount RSA-2048 keys made for this process when first asked for (about 0.1 to
  // 0.3 s each), reused round-robin like the fixtures: what a server that listens signs with, since
  // the fixtures' private halves are published in this repository and sign any claims anyone likes.
  static SigningKey fresh_material(size_t index);
  static constexpr size_t kFreshKeyCount = 2;
  // A fixture key that no user pool is ever given: what an attacker signs with.
  static SigningKey outsider();
  // A PKCS#8 PEM private key; throws std::runtime_error if it is not one.
  static SigningKey from_pem(std::string_view pem);

  std::string sign_rs256(std::string_view signing_input) const;
  std::string jwk_n() const;  // base64url modulus
  std::string jwk_e() const;  // base64url exponent

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace tenantsim
