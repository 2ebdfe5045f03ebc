#include "fakes/cognito/signing_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <stdexcept>
#include <vector>

#include "core/auth/base64url.h"
#include "fakes/cognito/fixture_keys.h"

namespace tenantsim {

namespace {
// The fixture keys, parsed once per process (a parse costs microseconds; a copy shares the key).
const std::array<SigningKey, kFixtureKeyCount>& fixtures() {
  static const auto keys = [] {
    std::array<SigningKey, kFixtureKeyCount> out;
    for (size_t i = 0; i < kFixtureKeyCount; ++i) out[i] = SigningKey::from_pem(kFixtureKeysPem[i]);
    return out;
  }();
  return keys;
}
}  // namespace

SigningKey SigningKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!raw) throw std::runtime_error("cannot read an RSA private key from PEM");
  SigningKey k;
  k.key_.reset(raw, EVP_PKEY_free);
  return k;
}

SigningKey SigningKey::shared_material(size_t index) { return fixtures()[index % (kFixtureKeyCount - 1)]; }

SigningKey SigningKey::fresh_material(size_t index) {
  static const auto keys = [] {
    std::array<SigningKey, kFreshKeyCount> out;
    for (auto& k : out) {
      EVP_PKEY* raw = EVP_RSA_gen(2048);
      if (!raw) throw std::runtime_error("cannot generate an RSA-2048 key");
      k.key_.reset(raw, EVP_PKEY_free);
    }
    return out;
  }();
  return keys[index % kFreshKeyCount];
}
SigningKey SigningKey::outsider() { return fixtures()[kFixtureKeyCount - 1]; }

std::string SigningKey::sign_rs256(std::string_view input) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) <= 0 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) <= 0)
    throw std::runtime_error("RS256 signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) <= 0)
    throw std::runtime_error("RS256 signing failed");
  sig.resize(len);
  return sig;
}

namespace {
std::string bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(key, name, &bn)) throw std::runtime_error("cannot read RSA parameter");
  std::vector<unsigned char> bytes(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, bytes.data());
  BN_free(bn);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}
}  // namespace

std::string SigningKey::jwk_n() const { return bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N); }
std::string SigningKey::jwk_e() const { return bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E); }

}  // namespace tenantsim
