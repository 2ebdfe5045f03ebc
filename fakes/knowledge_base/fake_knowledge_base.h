// FakeKnowledgeBase: Bedrock knowledge bases with Retrieve, deterministic. Relevance is word
// overlap between the query and a document (ties by document id), so the same documents come back
// for the same query on every run. The ledger is the provider's record of each retrieval: which
// knowledge base, which filter value (the tenant the caller claimed), the owners of the documents
// it returned and the query tokens billed. The oracle judges isolation from it, not from the
// system's logs.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "core/ports/knowledge_base.h"

namespace tenantsim {

struct KnowledgeBaseLedger {
  struct Usage {
    int64_t retrievals = 0;
    int64_t query_tokens = 0;
    friend bool operator==(const Usage&, const Usage&) = default;
  };
  // (knowledge base, filter's tenant_id value or "" when unfiltered) -> usage
  std::map<std::pair<std::string, std::string>, Usage> by_filter;
  // (knowledge base, filter value, owner tenant of a returned document) -> documents returned
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> returned;
};

class FakeKnowledgeBase final : public KnowledgeBase {
 public:
  Task<Status> create_knowledge_base(std::string knowledge_base_id) override;
  Task<Status> ingest(std::string knowledge_base_id, KnowledgeDocument document) override;
  Task<Result<RetrieveResponse>> retrieve(RetrieveRequest request) override;

  KnowledgeBaseLedger ledger() const;
  // The fake's tokenizer for queries (as the model fake's: about 4 characters a token).
  static int64_t count_tokens(const std::string& text) { return static_cast<int64_t>((text.size() + 3) / 4); }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, KnowledgeDocument>> bases_;  // kb -> document id -> document
  KnowledgeBaseLedger ledger_;
};

}  // namespace tenantsim
