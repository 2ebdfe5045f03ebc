// libFuzzer target: any bytes as a bearer token, through core's TokenVerifier (split, base64url,
// bounded JSON, RS256 against the pool's JWKS, claims). Inputs that begin "forge:" are instead
// claims JSON the fuzz tenant's own pool signs, so the claim checks see every shape of payload a
// correctly signed token could carry. A token is accepted only with the tenant's exact claims.
#include <cstdint>
#include <cstdlib>

#include "core/auth/token_verifier.h"
#include "core/base/json_text.h"
#include "tests/fuzz/fuzz_system.h"

namespace {
tenantsim::fuzz::FuzzSystem& sys() {
  static auto* s = new tenantsim::fuzz::FuzzSystem();
  return *s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto& s = sys();
  std::string token = input;
  if (input.starts_with("forge:")) {
    const auto claims = tenantsim::parse_json(input.substr(6));
    if (claims.is_discarded()) return 0;
    const auto t = s.system->tenants().find("acme");
    token = s.cognito.sign_claims(t->pool_id, tenantsim::to_json_text(claims));
  }
  (void)tenantsim::unverified_claims(token);
  const tenantsim::ApiResponse r = s.call("GET", "/api/tenants/acme/subscription", "", "Bearer " + token);
  if (r.status == 200 && !input.starts_with("forge:") && token != s.token) std::abort();  // a forged token passed
  return 0;
}
