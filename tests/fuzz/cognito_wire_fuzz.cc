// libFuzzer target: Cognito's JSON 1.1 API as `fakes serve` answers it, on a fake with one pool
// and app client. The first line names the operation, the rest is the body; a body may name the
// pool and client by the literals POOL and CLIENT. No input may crash.
#include <cstdint>
#include <cstdlib>

#include "core/base/json_text.h"
#include "fakes/cognito/cognito_wire.h"
#include "fakes/cognito/fake_cognito.h"
#include "fakes/common/virtual_clock.h"

namespace {

struct Cognito {
  Cognito()
      : clock(tenantsim::from_unix_seconds(1704067200)),
        fake(clock, tenantsim::Rng(3)),
        api(fake, [this](tenantsim::Task<void> t) {
              tenantsim::spawn(std::move(t));
              clock.run();
            },
            [this](const std::string& c, const std::string& u) { return fake.mailbox(c, u); }, tenantsim::Rng(4)) {
    tenantsim::UserPoolConfig config;
    config.name = "fuzz";
    config.custom_attributes = {"tenant_id", "subscription_tier"};
    pool = tenantsim::run_to_completion(clock, fake.create_user_pool(config)).value().pool_id;
    client = tenantsim::run_to_completion(clock, fake.create_app_client(pool, "web", std::vector<std::string>{"email"})).value();
  }
  tenantsim::VirtualClock clock;
  tenantsim::FakeCognito fake;
  tenantsim::cognito_wire::CognitoApi api;
  std::string pool, client;
};

Cognito& cognito() {
  static auto* c = new Cognito();
  return *c;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto& c = cognito();
  replace_all(input, "POOL", c.pool);
  replace_all(input, "CLIENT", c.client);
  const size_t nl = input.find('\n');
  const nlohmann::json body = tenantsim::parse_json(nl == std::string::npos ? "" : input.substr(nl + 1));
  if (body.is_discarded()) return 0;
  try {
    const auto reply = c.api.call(input.substr(0, nl), body);
    (void)tenantsim::to_json_text(reply.body);
  } catch (const nlohmann::json::exception&) {
    // A member of the wrong type: fakes serve answers it 400 SerializationException
    // (FakesService::handle); anything else escaping is a bug.
  }
  return 0;
}
