// Onboarding: the load run's population made real on the target before any traffic is timed, as
// its target profile says users come to exist there:
//  - tenantsim-api: each tenant's admin signs up through POST /api/register (the confirmation code
//    comes from the tenantsim serve's fakes), signs in, and creates its tenant's other users;
//  - cognito: the operator's path of a team's own set-up script, on the user pool the target
//    trusts: AdminCreateUser with the profile's attributes and a permanent password, the admin put
//    in the tenant's admin group, then each user signs in (USER_PASSWORD_AUTH) for its token.
// Then every user opens a chat session through the target.
//
// The set-up is also where sign-up is attacked (`sign_up_probes`): a stranger signs up through the
// public path naming a victim tenant (tenantsim-api: POST /api/register naming it as its owner;
// cognito: SignUp on the pool's public app client with the victim's tenant attributes, which the
// sample's page lets anyone pick) and, if let in, reads the victim's usage. The attack is refused
// when either step is; what it met goes to the judge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "harness/load/load_plan.h"
#include "harness/load/target_profile.h"

namespace tenantsim::load {

struct TargetAddress {
  std::string host;
  uint16_t port = 80;
};

// The Cognito user pool a `cognito` profile's users are made on.
struct CognitoPool {
  std::string endpoint;  // http://127.0.0.1:PORT (fakes serve) or https://cognito-idp.REGION.amazonaws.com
  std::string region = "us-east-1";
  std::string user_pool_id, client_id;
};

// One sign-up attack: who signed up claiming which tenant, and the status that settled it (the
// sign-up's refusal, or the answer to reading the victim's usage with the token it got).
struct SignUpProbe {
  size_t victim = 0;  // index of the tenant claimed
  std::string what;   // "SignUp naming tenant X, then GET /api/tenants/X/usage"
  int status = 0;     // 0: the target could not be reached
};

// A user pool of the attacker's own on the same Cognito (its id): a token that pool signs naming a
// victim tenant must not be believed by a target that trusts another pool (a verifier that fetches
// the JWKS its token's `iss` names would).
Result<std::string> create_attacker_pool(const CognitoPool& pool);

// kUnavailable when the target (or the pool) cannot be reached or answers other than the profile
// says; kBadRequest when a cognito profile has no pool to work on.
Status onboard(const TargetAddress& target, const TargetProfile& profile, const std::optional<CognitoPool>& pool,
               std::vector<LoadTenant>& tenants, std::vector<LoadUser>& users, std::vector<SignUpProbe>& sign_up_probes);

}  // namespace tenantsim::load
