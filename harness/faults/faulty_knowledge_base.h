// FaultyKnowledgeBase: a scenario's `faults.knowledge_base` plan at the system's KnowledgeBase
// port, around the in-process fake, our client against `fakes serve`, or Bedrock's knowledge bases
// alike (see faulty_database.h for the shape). Only Retrieve is faulted: creating knowledge bases
// and ingesting documents is onboarding, not the scenario. A failed Retrieve is Bedrock's
// InternalServerException and never reaches the knowledge base, so its ledger counts only the
// retrievals that happened, and the system must meter only those.
#pragma once

#include "core/ports/knowledge_base.h"
#include "harness/faults/fault_gate.h"

namespace tenantsim {

class FaultyKnowledgeBase final : public KnowledgeBase, public FaultGate {
 public:
  // `inner` must outlive this object.
  FaultyKnowledgeBase(KnowledgeBase& inner, Clock& clock, Rng rng)
      : FaultGate(clock, std::make_shared<FaultInjector>(rng)), inner_(inner) {}

  Task<Status> create_knowledge_base(std::string knowledge_base_id) override {
    return inner_.create_knowledge_base(std::move(knowledge_base_id));
  }
  Task<Status> ingest(std::string knowledge_base_id, KnowledgeDocument document) override {
    return inner_.ingest(std::move(knowledge_base_id), std::move(document));
  }
  Task<Result<RetrieveResponse>> retrieve(RetrieveRequest request) override;

 private:
  KnowledgeBase& inner_;
};

}  // namespace tenantsim
