#include "fakes/knowledge_base/fake_knowledge_base.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace tenantsim {

namespace {

std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  std::string w;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      if (w.size() > 2) out.insert(w);
      w.clear();
    }
  }
  return out;
}

Error unknown_knowledge_base(const std::string& kb) {
  return Error::make(ErrorKind::kNotFound, "ResourceNotFoundException", "No knowledge base with id " + kb);
}

}  // namespace

Task<Status> FakeKnowledgeBase::create_knowledge_base(std::string kb) {
  std::lock_guard lock(mu_);
  if (kb.empty()) co_return Error::make(ErrorKind::kBadRequest, "ValidationException", "knowledgeBaseId is required");
  if (!bases_.emplace(kb, std::map<std::string, KnowledgeDocument>{}).second)
    co_return Error::make(ErrorKind::kConflict, "ConflictException", "Knowledge base " + kb + " exists");
  co_return Status{};
}

Task<Status> FakeKnowledgeBase::ingest(std::string kb, KnowledgeDocument doc) {
  std::lock_guard lock(mu_);
  auto it = bases_.find(kb);
  if (it == bases_.end()) co_return unknown_knowledge_base(kb);
  if (doc.id.empty()) co_return Error::make(ErrorKind::kBadRequest, "ValidationException", "a document needs an id");
  it->second[doc.id] = std::move(doc);
  co_return Status{};
}

Task<Result<RetrieveResponse>> FakeKnowledgeBase::retrieve(RetrieveRequest req) {
  std::lock_guard lock(mu_);
  auto kb = bases_.find(req.knowledge_base_id);
  if (kb == bases_.end()) co_return unknown_knowledge_base(req.knowledge_base_id);
  if (req.query.empty() || req.query.size() > 1000)
    co_return Error::make(ErrorKind::kBadRequest, "ValidationException", "retrievalQuery.text must be 1-1000 characters");
  if (req.max_results < 1 || req.max_results > 100)
    co_return Error::make(ErrorKind::kBadRequest, "ValidationException", "numberOfResults must be 1-100");
  const auto asked = words(req.query);
  std::vector<std::pair<int64_t, const KnowledgeDocument*>> scored;
  for (const auto& [id, doc] : kb->second) {
    if (req.filter) {
      auto m = doc.metadata.find(req.filter->key);
      if (m == doc.metadata.end() || m->second != req.filter->value) continue;
    }
    const auto have = words(doc.text);
    int64_t common = 0;
    for (const auto& w : asked) common += have.count(w);
    // Every document scores above zero: a vector store always returns its nearest neighbours.
    const int64_t score = asked.empty() ? 1 : 1 + (999 * common) / static_cast<int64_t>(asked.size());
    scored.emplace_back(score, &doc);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (scored.size() > static_cast<size_t>(req.max_results)) scored.resize(static_cast<size_t>(req.max_results));
  RetrieveResponse resp;
  resp.query_tokens = count_tokens(req.query);
  const std::string filter_value = req.filter ? req.filter->value : std::string();
  auto& usage = ledger_.by_filter[{req.knowledge_base_id, filter_value}];
  usage.retrievals += 1;
  usage.query_tokens += resp.query_tokens;
  for (const auto& [score, doc] : scored) {
    resp.results.push_back(RetrievedChunk{doc->id, doc->text, doc->metadata, score});
    auto owner = doc->metadata.find("tenant_id");
    ledger_.returned[{req.knowledge_base_id, filter_value, owner == doc->metadata.end() ? "" : owner->second}] += 1;
  }
  co_return resp;
}

KnowledgeBaseLedger FakeKnowledgeBase::ledger() const {
  std::lock_guard lock(mu_);
  return ledger_;
}

}  // namespace tenantsim
