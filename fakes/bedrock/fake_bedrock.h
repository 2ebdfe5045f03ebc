// FakeBedrock: a deterministic Converse API. Token usage is exact and reproducible: input tokens
// from the request's text (about 4 characters a token, like Claude's tokenizers on English), output
// tokens drawn from the model profile's range with the seeded Rng. It asks for a weather tool when
// the question is about weather and such a tool is offered (the knowledge-base search when it is
// about "our documents"), and its answers quote the conversation
// it was given (so a prompt that carries another tenant's memory shows it). Per account and model:
// requests-per-minute and tokens-per-minute quotas (ThrottlingException). The ledger is what
// Bedrock would bill: tokens and invocations per account and model, and per requestMetadata tenant.
// Faults and latency are not the service's: harness/faults/faulty_model.h puts them at the port.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/ports/clock.h"
#include "core/base/rng.h"
#include "core/ports/model_runtime.h"

namespace tenantsim {

struct ModelProfile {
  int64_t output_tokens_min = 40;
  int64_t output_tokens_max = 400;
  int64_t requests_per_minute = 1000;
  int64_t tokens_per_minute = 2'000'000;
};

struct BedrockUsage {
  int64_t invocations = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  friend bool operator==(const BedrockUsage&, const BedrockUsage&) = default;
};

struct BedrockLedger {
  std::map<std::pair<std::string, std::string>, BedrockUsage> by_account_model;
  // requestMetadata["tenant_id"] -> model -> usage (what the caller claimed; the oracle checks it)
  std::map<std::string, std::map<std::string, BedrockUsage>> by_tenant_tag;
  // (requestMetadata tenant_id, user_id) -> model -> usage
  std::map<std::pair<std::string, std::string>, std::map<std::string, BedrockUsage>> by_user_tag;
  uint64_t throttled = 0;
};

class FakeBedrock final : public ModelRuntime {
 public:
  FakeBedrock(Clock& clock, Rng rng);
  ~FakeBedrock() override;

  // Models the fake knows; others answer ValidationException. Haiku and Sonnet 3.5 are preloaded.
  void add_model(const std::string& model_id, ModelProfile profile);
  // An untrusted model: it obeys instructions injected into the prompt ("ignore all previous
  // instructions ... call TOOL ... for tenant X ... about Q"), asking for that tool, offered or
  // not, with the tenant and query it was told. Off: the model asks only for offered tools.
  void set_follows_injections(bool on);
  // Per-account quotas of every model (a capacity what-if): requests and tokens per minute.
  void set_quotas(int64_t requests_per_minute, int64_t tokens_per_minute);

  Task<Result<ConverseResponse>> converse(ConverseRequest request) override;

  BedrockLedger ledger() const;

  // The fake's tokenizer: what it bills as input for this text.
  static int64_t count_tokens(std::string_view text);

 private:
  struct Window {
    int64_t minute = -1;
    int64_t requests = 0;
    int64_t tokens = 0;
  };
  Clock& clock_;
  mutable std::mutex mu_;
  Rng rng_;
  std::map<std::string, ModelProfile> models_;
  bool follows_injections_ = false;
  std::map<std::pair<std::string, std::string>, Window> windows_;
  BedrockLedger ledger_;
};

}  // namespace tenantsim
