// KnowledgeBase: the Bedrock knowledge-base calls the retrieve tool makes (Agent Runtime's
// Retrieve) and the control plane's provisioning. A pooled knowledge base holds every pooled
// tenant's documents, each with a `tenant_id` metadata attribute; isolation rests entirely on the
// filter the caller sends (seed 004), which is why the tool must build it from the verified
// caller and never from the model's arguments. Silo tenants get a knowledge base of their own.
// Failures: ResourceNotFoundException (kNotFound, unknown knowledge base), ValidationException
// (kBadRequest), ThrottlingException (kTooManyRequests).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/task.h"

namespace tenantsim {

struct KnowledgeDocument {
  std::string id;
  std::string text;
  std::map<std::string, std::string> metadata;  // e.g. tenant_id
};

// Retrieve's `filter: {equals: {key, value}}`, the only form the system uses.
struct MetadataEquals {
  std::string key;
  std::string value;
};

struct RetrieveRequest {
  std::string knowledge_base_id;
  std::string query;
  int max_results = 3;
  std::optional<MetadataEquals> filter;  // absent: every document of the knowledge base
};

struct RetrievedChunk {
  std::string document_id;
  std::string text;
  std::map<std::string, std::string> metadata;
  int64_t score_milli = 0;  // relevance, 0..1000 (integer: results must order the same everywhere)
};

struct RetrieveResponse {
  std::vector<RetrievedChunk> results;
  int64_t query_tokens = 0;  // what embedding the query cost (billed per token)
};

class KnowledgeBase {
 public:
  KnowledgeBase() = default;
  KnowledgeBase(const KnowledgeBase&) = delete;
  KnowledgeBase& operator=(const KnowledgeBase&) = delete;
  virtual ~KnowledgeBase() = default;

  // Creates an empty knowledge base (kConflict "ConflictException" if it exists).
  virtual Task<Status> create_knowledge_base(std::string knowledge_base_id) = 0;
  // Adds or replaces a document (a data-source sync of one object).
  virtual Task<Status> ingest(std::string knowledge_base_id, KnowledgeDocument document) = 0;
  // The best matches for the query among the documents the filter admits.
  virtual Task<Result<RetrieveResponse>> retrieve(RetrieveRequest request) = 0;
};

}  // namespace tenantsim
