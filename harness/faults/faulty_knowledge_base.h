// FaultyKnowledgeBase: a scenario's `faults.knowledge_base` plan at the system's KnowledgeBase
// port, around the in-process fake, our client against `fakes serve`, or Bedrock's knowledge bases
// alike (see faulty_database.h for the shape). Only Retrieve is faulted: creating knowledge bases
// and ingesting documents is onboarding, not the scenario. A failed Retrieve is Bedrock's
// InternalServerException and never reaches the knowledge base, so its ledger counts only the
// retrievals that happened, and the system must meter only those.
#pragma once

#include <memory>

#include "core/base/rng.h"
#include "core/ports/clock.h"
#include "core/ports/knowledge_base.h"
#include "fakes/common/faults.h"

namespace tenantsim {

class FaultyKnowledgeBase final : public KnowledgeBase {
 public:
  // `inner` and `clock` must outlive this object.
  FaultyKnowledgeBase(KnowledgeBase& inner, Clock& clock, Rng rng) : inner_(inner), clock_(clock), faults_(rng) {}

  void set_plan(FaultPlan plan) { faults_.set_plan(std::move(plan)); }
  uint64_t injected_failures() const { return faults_.injected_failures(); }

  Task<Status> create_knowledge_base(std::string knowledge_base_id) override {
    return inner_.create_knowledge_base(std::move(knowledge_base_id));
  }
  Task<Status> ingest(std::string knowledge_base_id, KnowledgeDocument document) override {
    return inner_.ingest(std::move(knowledge_base_id), std::move(document));
  }
  Task<Result<RetrieveResponse>> retrieve(RetrieveRequest request) override;

 private:
  KnowledgeBase& inner_;
  Clock& clock_;
  FaultInjector faults_;
};

}  // namespace tenantsim
