// RealKnowledgeBase: core's KnowledgeBase port over Bedrock's knowledge-base APIs (REST-JSON, SigV4
// signing name "bedrock") through AwsJsonClient: the control plane (Agents for Amazon Bedrock:
// CreateKnowledgeBase, CreateDataSource, IngestKnowledgeBaseDocuments, the List calls) and the
// runtime (Retrieve), against AWS or `tenantsim fakes serve`.
//
// The port names knowledge bases ("kb-pooled", "kb-{tenant}"); AWS names them with ids of its own.
// This client uses the port's name as the knowledge base's name and finds the id by name
// (ListKnowledgeBases), remembering it. Each knowledge base gets one CUSTOM data source,
// "tenantsim-inline", for inline documents, found or created on the first ingestion.
//
// In AWS a knowledge base needs a vector store (`storage_configuration`, passed through as given)
// and a role the service assumes (`role_arn`); both come from the backends file. A knowledge base
// that already exists with the port's name is the port's ConflictException, as in the fake: a
// deployment that provisions its knowledge bases ahead reuses them for ingestion and retrieval.
//
// Retrieve does not report what embedding the query cost; `query_tokens` is the fake's estimate
// (about four characters a token), so metering is the same on either backend.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/ports/knowledge_base.h"
#include "harness/aws/aws_json_client.h"

namespace tenantsim::aws {

struct KnowledgeBaseOptions {
  std::string role_arn = "arn:aws:iam::000000000000:role/tenantsim-knowledge-base";
  std::string embedding_model_arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0";
  nlohmann::json storage_configuration;  // null: none sent (enough for `fakes serve`)
};

class RealKnowledgeBase final : public KnowledgeBase {
 public:
  // `control` reaches Agents for Amazon Bedrock, `runtime` its runtime (one server may be both).
  RealKnowledgeBase(std::shared_ptr<AwsJsonClient> control, std::shared_ptr<AwsJsonClient> runtime, KnowledgeBaseOptions options)
      : control_(std::move(control)), runtime_(std::move(runtime)), options_(std::move(options)) {}

  Task<Status> create_knowledge_base(std::string knowledge_base_id) override;
  Task<Status> ingest(std::string knowledge_base_id, KnowledgeDocument document) override;
  Task<Result<RetrieveResponse>> retrieve(RetrieveRequest request) override;

 private:
  // AWS's id of the knowledge base named `name` (kNotFound "ResourceNotFoundException" if none).
  Result<std::string> id_of(const std::string& name);
  // The id of its inline data source, created if it has none.
  Result<std::string> data_source_of(const std::string& kb_id);

  std::shared_ptr<AwsJsonClient> control_;
  std::shared_ptr<AwsJsonClient> runtime_;
  KnowledgeBaseOptions options_;
  std::mutex mu_;
  std::map<std::string, std::string> ids_;           // name -> knowledge base id
  std::map<std::string, std::string> data_sources_;  // knowledge base id -> data source id
};

}  // namespace tenantsim::aws
