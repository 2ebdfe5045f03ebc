// FakesLink: a virtual-time run's line to the `tenantsim fakes serve --clock caller` that is its
// cloud (the backends file's "fakes_serve"). Through it the run does over the wire what it does to
// its in-process fakes: every request carries the run's virtual time; the scenario's model
// behaviour, faults and quotas are set; attack tokens are signed with a pool's own key; each of the
// system's model accounts gets its own access key and account id; and at the end the fakes'
// ledgers are read back, so the oracle judges from the provider's side of the wire as it does in
// process. AWS has none of these hooks: with real AWS a run cannot make these checks (see run).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/ports/clock.h"
#include "fakes/wire/sigv4.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

class FakesLink {
 public:
  // Checks that `url` answers as `fakes serve` (GET /health) before anything else uses it.
  static Result<std::unique_ptr<FakesLink>> connect(const std::string& url, uint64_t seed);

  // The clock the run's requests carry from now on (the world's, once it exists); must outlive
  // this link or be unset (nullptr) first.
  void follow(const Clock* clock) { clock_.store(clock); }
  // For EndpointConfig::caller_clock_ms: the followed clock's time, or the wall clock's.
  std::function<int64_t()> clock_ms();

  // POST /_fake/configure (fakes_service.h lists what it takes).
  Status configure(const nlohmann::json& settings);
  // A token of `claims` signed with the pool's own key.
  Result<std::string> sign(const std::string& pool_id, const nlohmann::json& claims);
  // GET /_fake/ledger, with the account ids this link handed out turned back into the system's
  // account names.
  Result<nlohmann::json> ledger();

  // The credentials of one of the system's accounts (the pooled model account, a silo tenant's):
  // on first use, an access key and a 12-digit account id of its own, registered with fakes serve.
  Result<wire::SigV4Credentials> credentials_of(const std::string& account);
  // The AccountClients maker of a port whose shared client is configured by `base`.
  AccountClients::Make clients_like(const EndpointConfig& base, uint64_t seed);

  const std::string& url() const { return url_; }

 private:
  FakesLink(std::string url, uint64_t seed);

  std::string url_;
  std::shared_ptr<AwsJsonClient> client_;
  std::atomic<const Clock*> clock_{nullptr};
  std::mutex mu_;
  std::map<std::string, std::string> id_of_;    // account name -> 12-digit id
  std::map<std::string, std::string> name_of_;  // 12-digit id -> account name
};

}  // namespace tenantsim::aws
