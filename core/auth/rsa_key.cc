#include "core/auth/rsa_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "core/auth/base64url.h"

namespace tenantsim {

void RsaPublicKey::Free::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

Result<RsaPublicKey> RsaPublicKey::from_jwk(std::string_view n_b64url, std::string_view e_b64url) {
  auto bad = [](const char* why) { return Error::make(ErrorKind::kUnauthorized, "InvalidJwk", why); };
  auto n = base64url_decode(n_b64url);
  auto e = base64url_decode(e_b64url);
  if (!n || !e || n->empty() || e->empty()) return bad("JWK n or e is not base64url");
  if (n->size() < 256) return bad("RSA modulus shorter than 2048 bits");

  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr), BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr), BN_free);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return bad("cannot build RSA parameters");
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr),
                                                                   EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    return bad("OpenSSL rejected the RSA key");
  RsaPublicKey key;
  key.key_.reset(raw, Free{});
  return key;
}

bool RsaPublicKey::verify_rs256(std::string_view signing_input, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) <= 0) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

Result<std::map<std::string, RsaPublicKey>> parse_jwks(std::string_view jwks_json) {
  auto doc = nlohmann::json::parse(jwks_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return Error::make(ErrorKind::kUnavailable, "InvalidJwks", "JWKS document has no keys array");
  std::map<std::string, RsaPublicKey> out;
  for (const auto& k : doc["keys"]) {
    if (!k.is_object() || k.value("kty", "") != "RSA") continue;
    if (k.contains("alg") && k.value("alg", "") != "RS256") continue;
    if (k.contains("use") && k.value("use", "") != "sig") continue;
    if (!k.contains("kid") || !k["kid"].is_string() || !k.contains("n") || !k["n"].is_string() || !k.contains("e") ||
        !k["e"].is_string())
      continue;
    auto key = RsaPublicKey::from_jwk(k["n"].get<std::string>(), k["e"].get<std::string>());
    if (key.ok()) out.emplace(k["kid"].get<std::string>(), std::move(key).value());
  }
  return out;
}

}  // namespace tenantsim
