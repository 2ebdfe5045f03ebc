#include "harness/faults/faulty_knowledge_base.h"

#include "harness/faults/fault_gate.h"

namespace tenantsim {

Task<Result<RetrieveResponse>> FaultyKnowledgeBase::retrieve(RetrieveRequest request) {
  if (auto e = co_await fault_gate(clock_, faults_, 1, "InternalServerException")) co_return *e;
  co_return co_await inner_.retrieve(std::move(request));
}

}  // namespace tenantsim
