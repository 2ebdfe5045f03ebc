// RSA public keys from JWKS documents, and RS256 signature verification (OpenSSL 3 EVP).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace tenantsim {

class RsaPublicKey {
 public:
  // From the JWK members n and e (base64url big-endian integers).
  static Result<RsaPublicKey> from_jwk(std::string_view n_b64url, std::string_view e_b64url);

  // True when `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `signing_input`.
  bool verify_rs256(std::string_view signing_input, std::string_view signature) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* p) const;
  };
  std::shared_ptr<EVP_PKEY> key_;
};

// kid -> key, for the RS256 keys of one JWKS document. Keys of other types or algorithms are skipped.
Result<std::map<std::string, RsaPublicKey>> parse_jwks(std::string_view jwks_json);

}  // namespace tenantsim
