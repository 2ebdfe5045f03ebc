// KnowledgeBaseApi: Bedrock knowledge bases on their REST-JSON wire (signing name "bedrock"), over
// any KnowledgeBase port (the fake here), validate -> parse -> act -> encode like DynamoApi:
//   Agents for Amazon Bedrock (control plane)
//     PUT  /knowledgebases/                                     CreateKnowledgeBase (202)
//     POST /knowledgebases/                                     ListKnowledgeBases
//     PUT  /knowledgebases/{kbId}/datasources/                  CreateDataSource (type CUSTOM)
//     POST /knowledgebases/{kbId}/datasources/                  ListDataSources
//     PUT  /knowledgebases/{kbId}/datasources/{dsId}/documents  IngestKnowledgeBaseDocuments (202)
//   Agents for Amazon Bedrock Runtime
//     POST /knowledgebases/{kbId}/retrieve                      Retrieve
//
// As in AWS, the service names a knowledge base: its id is ten characters [0-9A-Z], here derived
// from the account and the name (so a replayed state log rebuilds the same ids), and a client finds
// it again by name through ListKnowledgeBases. Knowledge bases belong to the caller's account;
// another account's id is ResourceNotFoundException.
//
// What the fake leaves out, each refused with a ValidationException that says so: data sources
// other than CUSTOM, documents other than inline text, metadata other than STRING/NUMBER/BOOLEAN
// attributes, and retrieval filters other than one `equals` (the one form the system sends; the
// port carries no other). Ingestion is synchronous: a document is INDEXED in the answer.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/ports/knowledge_base.h"
#include "fakes/common/rest_json.h"

namespace tenantsim::kb_wire {

using rest_json::Reply;

class KnowledgeBaseApi {
 public:
  // `run` drives one port call to completion (the caller's loop or clock); `now_ms` stamps
  // createdAt/updatedAt.
  using Runner = std::function<void(Task<void>)>;
  KnowledgeBaseApi(KnowledgeBase& kb, Runner run, std::function<int64_t()> now_ms);

  // Whether `path` is one of this API's (every path under /knowledgebases/).
  static bool serves(const std::string& path);
  // The name a knowledge base was created with ("" for an id it does not know): the ledger's
  // bases are ids, a caller knows its bases by name.
  std::string name_of(const std::string& id);
  // One call; `path` without its query string.
  Reply call(const std::string& method, const std::string& path, const nlohmann::json& body, const std::string& account,
             const std::string& region);

 private:
  Reply create_knowledge_base(const nlohmann::json& body, const std::string& account, const std::string& region);
  Reply list_knowledge_bases(const nlohmann::json& body, const std::string& account);
  Reply create_data_source(const std::string& kb_id, const nlohmann::json& body, const std::string& account);
  Reply list_data_sources(const std::string& kb_id, const std::string& account);
  Reply ingest(const std::string& kb_id, const std::string& ds_id, const nlohmann::json& body, const std::string& account);
  Reply retrieve(const std::string& kb_id, const nlohmann::json& body, const std::string& account);
  std::string timestamp() const;

  struct Base {
    std::string account;
    std::string name;
    nlohmann::json summary;                           // what CreateKnowledgeBase answered
    std::map<std::string, std::string> data_sources;  // data source id -> name
  };
  KnowledgeBase& kb_;
  Runner run_;
  std::function<int64_t()> now_ms_;
  std::mutex mu_;
  std::map<std::string, Base> bases_;  // knowledge base id -> its record
};

}  // namespace tenantsim::kb_wire
