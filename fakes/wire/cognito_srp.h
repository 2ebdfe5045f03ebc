// Cognito's SRP-6a (USER_SRP_AUTH and its PASSWORD_VERIFIER challenge), computed the way
// Cognito's own clients compute it (amazon-cognito-identity-js's AuthenticationHelper, which
// Amplify and most web frontends use):
//   N, g    the 3072-bit group of RFC 5054 and g = 2; H = SHA-256
//   PAD(n)  n's hex digits, made even, with "00" in front when the first digit is 8..f
//   k       H(PAD(N) | PAD(g))                    (not SRP-6a's PAD(g) to N's length)
//   x       H(PAD(salt) | H(poolName | userId ":" password)), poolName the pool id after '_'
//   u       H(PAD(A) | PAD(B))
//   key     HKDF-SHA256(ikm = PAD(S), salt = PAD(u), info = "Caldera Derived Key"), 16 bytes
//   claim   base64(HMAC-SHA256(key, poolName | userId | SECRET_BLOCK bytes | TIMESTAMP))
// Big integers cross this interface as hex, as they cross the wire (SRP_A, SRP_B, SALT).
// Both sides are here: the server's for `fakes serve`, the client's for tests and real clients.
#pragma once

#include <optional>
#include <string>

namespace tenantsim::wire::srp {

// v = g^x mod N: what a pool keeps instead of the password.
std::string verifier_hex(const std::string& pool_name, const std::string& user_id, const std::string& password,
                         const std::string& salt_hex);

// The server's half of one exchange: b (secret, from `random_hex`, at least 32 bytes of entropy)
// and B = (k*v + g^b) mod N.
struct ServerEphemeral {
  std::string b_hex;
  std::string B_hex;
};
ServerEphemeral server_ephemeral(const std::string& verifier, const std::string& random_hex);

// The 16-byte key the server derives from the client's A; nullopt when A is not hex or A mod N is
// 0 (a client sending A = 0 or N would otherwise fix S without knowing the password).
std::optional<std::string> server_key(const std::string& A_hex, const ServerEphemeral& server, const std::string& verifier);

// The client's side: A = g^a mod N, and the key from the server's B and salt; nullopt when B mod N
// is 0 or u is 0 (the checks a client must make).
std::string client_A_hex(const std::string& a_hex);
std::optional<std::string> client_key(const std::string& pool_name, const std::string& user_id, const std::string& password,
                                      const std::string& salt_hex, const std::string& a_hex, const std::string& B_hex);

// PASSWORD_CLAIM_SIGNATURE for a key, the SECRET_BLOCK's bytes (decoded) and the TIMESTAMP string.
std::string claim_signature(const std::string& key, const std::string& pool_name, const std::string& user_id,
                            const std::string& secret_block, const std::string& timestamp);

// Constant-time comparison of two signatures.
bool same(const std::string& a, const std::string& b);

}  // namespace tenantsim::wire::srp
