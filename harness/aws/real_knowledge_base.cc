#include "harness/aws/real_knowledge_base.h"

#include <cmath>

#include "fakes/knowledge_base/fake_knowledge_base.h"
#include "fakes/wire/sigv4.h"

namespace tenantsim::aws {

namespace {

using nlohmann::json;

constexpr const char* kDataSourceName = "tenantsim-inline";

std::string path_of(const std::string& id) { return "/knowledgebases/" + wire::uri_encode_component(id); }

}  // namespace

Result<std::string> RealKnowledgeBase::id_of(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  }
  json request = json::object();
  for (;;) {
    auto page = control_->rest("POST", "/knowledgebases/", request);
    if (!page.ok()) return page.take_error();
    for (const auto& s : page->value("knowledgeBaseSummaries", json::array())) {
      if (s.value("name", "") != name) continue;
      std::lock_guard lock(mu_);
      return ids_[name] = s.value("knowledgeBaseId", "");
    }
    if (!page->contains("nextToken")) break;
    request["nextToken"] = (*page)["nextToken"];
  }
  return Error::make(ErrorKind::kNotFound, "ResourceNotFoundException", "No knowledge base named " + name);
}

Result<std::string> RealKnowledgeBase::data_source_of(const std::string& kb_id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = data_sources_.find(kb_id); it != data_sources_.end()) return it->second;
  }
  auto list = control_->rest("POST", path_of(kb_id) + "/datasources/", json::object());
  if (!list.ok()) return list.take_error();
  std::string id;
  for (const auto& s : list->value("dataSourceSummaries", json::array()))
    if (s.value("name", "") == kDataSourceName) id = s.value("dataSourceId", "");
  if (id.empty()) {
    auto made = control_->rest("PUT", path_of(kb_id) + "/datasources/",
                               json{{"name", kDataSourceName}, {"dataSourceConfiguration", {{"type", "CUSTOM"}}}});
    if (!made.ok()) return made.take_error();
    id = made->value("dataSource", json::object()).value("dataSourceId", "");
  }
  std::lock_guard lock(mu_);
  return data_sources_[kb_id] = id;
}

Task<Status> RealKnowledgeBase::create_knowledge_base(std::string name) {
  json request = {{"name", name},
                  {"roleArn", options_.role_arn},
                  {"knowledgeBaseConfiguration",
                   {{"type", "VECTOR"}, {"vectorKnowledgeBaseConfiguration", {{"embeddingModelArn", options_.embedding_model_arn}}}}}};
  if (!options_.storage_configuration.is_null()) request["storageConfiguration"] = options_.storage_configuration;
  auto made = control_->rest("PUT", "/knowledgebases/", request);
  if (!made.ok()) co_return made.take_error();
  const std::string id = made->value("knowledgeBase", json::object()).value("knowledgeBaseId", "");
  if (id.empty()) co_return Error::make(ErrorKind::kUnavailable, "UnexpectedAnswer", "CreateKnowledgeBase answered no knowledgeBaseId");
  std::lock_guard lock(mu_);
  ids_[name] = id;
  co_return Status{};
}

Task<Status> RealKnowledgeBase::ingest(std::string name, KnowledgeDocument doc) {
  auto kb = id_of(name);
  if (!kb.ok()) co_return kb.take_error();
  auto ds = data_source_of(*kb);
  if (!ds.ok()) co_return ds.take_error();
  json attributes = json::array();
  for (const auto& [key, value] : doc.metadata)
    attributes.push_back({{"key", key}, {"value", {{"type", "STRING"}, {"stringValue", value}}}});
  json document = {{"content",
                    {{"dataSourceType", "CUSTOM"},
                     {"custom",
                      {{"customDocumentIdentifier", {{"id", doc.id}}},
                       {"sourceType", "IN_LINE"},
                       {"inlineContent", {{"type", "TEXT"}, {"textContent", {{"data", doc.text}}}}}}}}},
                   {"metadata", {{"type", "IN_LINE_ATTRIBUTE"}, {"inlineAttributes", attributes}}}};
  auto done = control_->rest("PUT", path_of(*kb) + "/datasources/" + wire::uri_encode_component(*ds) + "/documents",
                             json{{"documents", json::array({document})}});
  if (!done.ok()) co_return done.take_error();
  for (const auto& d : done->value("documentDetails", json::array()))
    if (d.value("status", "") == "FAILED")
      co_return Error::make(ErrorKind::kUnavailable, "IngestionFailed", "document " + doc.id + " was not ingested");
  co_return Status{};
}

Task<Result<RetrieveResponse>> RealKnowledgeBase::retrieve(RetrieveRequest req) {
  auto kb = id_of(req.knowledge_base_id);
  if (!kb.ok()) co_return kb.take_error();
  json vector = {{"numberOfResults", req.max_results}};
  if (req.filter) vector["filter"] = {{"equals", {{"key", req.filter->key}, {"value", req.filter->value}}}};
  auto found = runtime_->post(path_of(*kb) + "/retrieve",
                              json{{"retrievalQuery", {{"text", req.query}}},
                                   {"retrievalConfiguration", {{"vectorSearchConfiguration", vector}}}});
  if (!found.ok()) co_return found.take_error();
  RetrieveResponse resp;
  resp.query_tokens = FakeKnowledgeBase::count_tokens(req.query);
  for (const auto& r : found->value("retrievalResults", json::array())) {
    RetrievedChunk chunk;
    chunk.text = r.value("content", json::object()).value("text", "");
    const json location = r.value("location", json::object());
    chunk.document_id = location.value("customDocumentLocation", json::object()).value("id", "");
    if (chunk.document_id.empty()) chunk.document_id = location.value("s3Location", json::object()).value("uri", "");
    const json metadata = r.value("metadata", json::object());  // named: items() would outlive a temporary
    for (const auto& [key, value] : metadata.items())
      chunk.metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
    const json score = r.value("score", json(0.0));
    chunk.score_milli = score.is_number() ? static_cast<int64_t>(std::llround(score.get<double>() * 1000.0)) : 0;
    resp.results.push_back(std::move(chunk));
  }
  co_return resp;
}

}  // namespace tenantsim::aws
