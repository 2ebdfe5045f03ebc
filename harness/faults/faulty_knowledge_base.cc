#include "harness/faults/faulty_knowledge_base.h"

namespace tenantsim {

Task<Result<RetrieveResponse>> FaultyKnowledgeBase::retrieve(RetrieveRequest request) {
  if (auto e = co_await pass(1, "InternalServerException")) co_return *e;
  co_return co_await inner_.retrieve(std::move(request));
}

}  // namespace tenantsim
