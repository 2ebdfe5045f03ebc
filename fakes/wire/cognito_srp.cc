#include "fakes/wire/cognito_srp.h"

#include "fakes/wire/base64.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <cctype>
#include <memory>
#include <stdexcept>

namespace tenantsim::wire::srp {

namespace {

constexpr const char* kN =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct CtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using Ctx = std::unique_ptr<BN_CTX, CtxFree>;

Bn fresh() {
  Bn b(BN_new());
  if (!b) throw std::bad_alloc();
  return b;
}

// nullopt for an empty string or a non-hex digit (BN_hex2bn would stop quietly at the first one).
std::optional<Bn> from_hex(const std::string& hex) {
  if (hex.empty() || hex.size() > 4096) return std::nullopt;
  for (char c : hex)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size())) {
    BN_free(raw);
    return std::nullopt;
  }
  return Bn(raw);
}

Bn must_hex(const std::string& hex) {
  auto b = from_hex(hex);
  if (!b) throw std::invalid_argument("srp: not a hex number: " + hex.substr(0, 16));
  return std::move(*b);
}

std::string to_hex(const BIGNUM* b) {
  char* s = BN_bn2hex(b);
  std::string out(s);
  OPENSSL_free(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Cognito's PAD: even length, and a leading 00 when the top bit is set (a positive two's
// complement number). The inputs here are never negative.
std::string pad_hex(const BIGNUM* b) {
  std::string h = to_hex(b);
  if (h.size() % 2) h = "0" + h;
  if (std::string("89abcdef").find(h[0]) != std::string::npos) h = "00" + h;
  return h;
}

std::string hex_bytes(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

std::string sha256(const std::string& bytes) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
  return std::string(reinterpret_cast<char*>(d), sizeof d);
}

std::string hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &n))
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string bytes_hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// H over the bytes of a hex string, as a number.
Bn hash_hex(const std::string& hex) { return must_hex(bytes_hex(sha256(hex_bytes(hex)))); }

struct Group {
  Bn N = must_hex(kN);
  Bn g = must_hex("2");
  Bn k = hash_hex(pad_hex(N.get()) + pad_hex(g.get()));
};

const Group& group() {
  static const Group g;
  return g;
}

Bn x_of(const std::string& pool_name, const std::string& user_id, const std::string& password, const std::string& salt_hex) {
  const std::string inner = bytes_hex(sha256(pool_name + user_id + ":" + password));
  return hash_hex(pad_hex(must_hex(salt_hex).get()) + inner);
}

Bn mod_exp(const BIGNUM* base, const BIGNUM* exponent, BN_CTX* ctx) {
  Bn r = fresh();
  if (!BN_mod_exp(r.get(), base, exponent, group().N.get(), ctx)) throw std::runtime_error("srp: BN_mod_exp failed");
  return r;
}

bool zero_mod_n(const BIGNUM* v, BN_CTX* ctx) {
  Bn r = fresh();
  BN_nnmod(r.get(), v, group().N.get(), ctx);
  return BN_is_zero(r.get());
}

std::string hkdf(const BIGNUM* S, const BIGNUM* u) {
  const std::string prk = hmac(hex_bytes(pad_hex(u)), hex_bytes(pad_hex(S)));
  return hmac(prk, std::string("Caldera Derived Key") + '\x01').substr(0, 16);
}

}  // namespace

std::string verifier_hex(const std::string& pool_name, const std::string& user_id, const std::string& password,
                         const std::string& salt_hex) {
  Ctx ctx(BN_CTX_new());
  return to_hex(mod_exp(group().g.get(), x_of(pool_name, user_id, password, salt_hex).get(), ctx.get()).get());
}

ServerEphemeral server_ephemeral(const std::string& verifier, const std::string& random_hex) {
  const Group& G = group();
  Ctx ctx(BN_CTX_new());
  Bn b = must_hex(random_hex);
  BN_nnmod(b.get(), b.get(), G.N.get(), ctx.get());
  Bn kv = fresh(), B = fresh();
  BN_mod_mul(kv.get(), G.k.get(), must_hex(verifier).get(), G.N.get(), ctx.get());
  BN_mod_add(B.get(), kv.get(), mod_exp(G.g.get(), b.get(), ctx.get()).get(), G.N.get(), ctx.get());
  return {to_hex(b.get()), to_hex(B.get())};
}

std::optional<std::string> server_key(const std::string& A_hex, const ServerEphemeral& server, const std::string& verifier) {
  Ctx ctx(BN_CTX_new());
  auto A = from_hex(A_hex);
  if (!A || zero_mod_n(A->get(), ctx.get())) return std::nullopt;
  Bn B = must_hex(server.B_hex);
  Bn u = hash_hex(pad_hex(A->get()) + pad_hex(B.get()));
  if (BN_is_zero(u.get())) return std::nullopt;
  // S = (A * v^u)^b mod N
  Bn base = fresh();
  BN_mod_mul(base.get(), A->get(), mod_exp(must_hex(verifier).get(), u.get(), ctx.get()).get(), group().N.get(), ctx.get());
  Bn S = mod_exp(base.get(), must_hex(server.b_hex).get(), ctx.get());
  return hkdf(S.get(), u.get());
}

std::string client_A_hex(const std::string& a_hex) {
  Ctx ctx(BN_CTX_new());
  return to_hex(mod_exp(group().g.get(), must_hex(a_hex).get(), ctx.get()).get());
}

std::optional<std::string> client_key(const std::string& pool_name, const std::string& user_id, const std::string& password,
                                      const std::string& salt_hex, const std::string& a_hex, const std::string& B_hex) {
  const Group& G = group();
  Ctx ctx(BN_CTX_new());
  auto B = from_hex(B_hex);
  if (!B || zero_mod_n(B->get(), ctx.get())) return std::nullopt;
  Bn a = must_hex(a_hex);
  Bn A = mod_exp(G.g.get(), a.get(), ctx.get());
  Bn u = hash_hex(pad_hex(A.get()) + pad_hex(B->get()));
  if (BN_is_zero(u.get())) return std::nullopt;
  Bn x = x_of(pool_name, user_id, password, salt_hex);
  // S = (B - k*g^x)^(a + u*x) mod N
  Bn kgx = fresh(), base = fresh(), ux = fresh(), exponent = fresh();
  BN_mod_mul(kgx.get(), G.k.get(), mod_exp(G.g.get(), x.get(), ctx.get()).get(), G.N.get(), ctx.get());
  BN_mod_sub(base.get(), B->get(), kgx.get(), G.N.get(), ctx.get());
  BN_mul(ux.get(), u.get(), x.get(), ctx.get());
  BN_add(exponent.get(), a.get(), ux.get());
  Bn S = mod_exp(base.get(), exponent.get(), ctx.get());
  return hkdf(S.get(), u.get());
}

std::string claim_signature(const std::string& key, const std::string& pool_name, const std::string& user_id,
                            const std::string& secret_block, const std::string& timestamp) {
  return base64_encode(hmac(key, pool_name + user_id + secret_block + timestamp));
}

bool same(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tenantsim::wire::srp
