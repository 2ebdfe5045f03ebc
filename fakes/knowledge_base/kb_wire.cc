#include "fakes/knowledge_base/kb_wire.h"

#include <fmt/format.h>

#include "core/base/time.h"

namespace tenantsim::kb_wire {

namespace {

using nlohmann::json;
using namespace rest_json;  // this file is one of its services

constexpr std::string_view kRoot = "/knowledgebases/";

// One inline metadata attribute's value as the port's string, or nullopt for a type the fake
// does not keep.
std::optional<std::string> attribute_value(const json& value) {
  const std::string type = string_member(value, "type");
  if (type == "STRING") {
    const json* v = member(value, "stringValue");
    if (v && v->is_string()) return v->get<std::string>();
  } else if (type == "NUMBER") {
    const json* v = member(value, "numberValue");
    if (v && v->is_number()) return v->dump();
  } else if (type == "BOOLEAN") {
    const json* v = member(value, "booleanValue");
    if (v && v->is_boolean()) return v->get<bool>() ? "true" : "false";
  }
  return std::nullopt;
}

}  // namespace

KnowledgeBaseApi::KnowledgeBaseApi(KnowledgeBase& kb, Runner run, std::function<int64_t()> now_ms)
    : kb_(kb), run_(std::move(run)), now_ms_(std::move(now_ms)) {}

bool KnowledgeBaseApi::serves(const std::string& path) { return path.starts_with(kRoot) || path == "/knowledgebases"; }

std::string KnowledgeBaseApi::timestamp() const { return to_iso8601(Time{std::chrono::milliseconds(now_ms_())}); }

std::string KnowledgeBaseApi::name_of(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = bases_.find(id);
  return it == bases_.end() ? std::string() : it->second.name;
}

Reply KnowledgeBaseApi::call(const std::string& method, const std::string& path, const json& body, const std::string& account,
                             const std::string& region) {
  if (!body.is_object()) return invalid("the request body must be a JSON object");
  // The parts after /knowledgebases/: [] | [kb] [retrieve] | [kb] [datasources] ([ds] [documents]).
  const std::vector<std::string> parts = path_parts(path, kRoot);
  std::lock_guard lock(mu_);
  if (parts.empty() && method == "PUT") return create_knowledge_base(body, account, region);
  if (parts.empty() && method == "POST") return list_knowledge_bases(body, account);
  if (parts.size() == 2 && parts[1] == "retrieve" && method == "POST") return retrieve(parts[0], body, account);
  if (parts.size() == 2 && parts[1] == "datasources" && method == "PUT") return create_data_source(parts[0], body, account);
  if (parts.size() == 2 && parts[1] == "datasources" && method == "POST") return list_data_sources(parts[0], account);
  if (parts.size() == 4 && parts[1] == "datasources" && parts[3] == "documents" && method == "PUT")
    return ingest(parts[0], parts[2], body, account);
  return fail(404, "UnknownOperationException", fmt::format("this fake serves no {} {}", method, path));
}

Reply KnowledgeBaseApi::create_knowledge_base(const json& body, const std::string& account, const std::string& region) {
  const std::string name = string_member(body, "name");
  if (!valid_name(name)) return invalid("name must match ([0-9a-zA-Z][_-]?){1,100}");
  const std::string role = string_member(body, "roleArn");
  if (role.empty()) return invalid("roleArn is required");
  const json* config = member(body, "knowledgeBaseConfiguration");
  if (!config || string_member(*config, "type") != "VECTOR")
    return invalid("knowledgeBaseConfiguration.type must be VECTOR (the only kind this fake keeps)");
  for (const auto& [id, base] : bases_)
    if (base.account == account && base.name == name) return fail(409, "ConflictException", "a knowledge base named " + name + " exists");
  const std::string id = derived_id("kb/" + account + "/" + name);
  if (bases_.count(id)) return fail(409, "ConflictException", "knowledge base id " + id + " is taken");
  std::optional<Status> created;
  auto make = [](KnowledgeBase& kb, std::string kb_id, std::optional<Status>* out) -> Task<void> {
    out->emplace(co_await kb.create_knowledge_base(std::move(kb_id)));
  };
  run_(make(kb_, id, &created));
  if (!created || !created->ok()) return fail(500, "InternalServerException", "the knowledge base could not be created");
  const std::string now = timestamp();
  json summary = {{"knowledgeBaseId", id},
                  {"name", name},
                  {"knowledgeBaseArn", fmt::format("arn:aws:bedrock:{}:{}:knowledge-base/{}", region, account, id)},
                  {"roleArn", role},
                  {"knowledgeBaseConfiguration", *config},
                  {"status", "ACTIVE"},
                  {"createdAt", now},
                  {"updatedAt", now}};
  if (body.contains("description")) summary["description"] = body["description"];
  bases_[id] = Base{account, name, summary, {}};
  return Reply{202, json{{"knowledgeBase", summary}}, "", true};
}

Reply KnowledgeBaseApi::list_knowledge_bases(const json& body, const std::string& account) {
  int max = 1000;
  if (const json* m = member(body, "maxResults")) {
    if (!m->is_number_integer() || m->get<int>() < 1 || m->get<int>() > 1000) return invalid("maxResults must be 1-1000");
    max = m->get<int>();
  }
  const std::string after = string_member(body, "nextToken");  // the last id of the previous page
  json summaries = json::array();
  std::string last;
  for (const auto& [id, base] : bases_) {
    if (base.account != account || (!after.empty() && id <= after)) continue;
    if (static_cast<int>(summaries.size()) == max) {
      return Reply{200, json{{"knowledgeBaseSummaries", summaries}, {"nextToken", last}}, "", false};
    }
    const json& s = base.summary;
    summaries.push_back({{"knowledgeBaseId", id}, {"name", base.name}, {"status", s["status"]}, {"updatedAt", s["updatedAt"]}});
    last = id;
  }
  return Reply{200, json{{"knowledgeBaseSummaries", summaries}}, "", false};
}

Reply KnowledgeBaseApi::create_data_source(const std::string& kb_id, const json& body, const std::string& account) {
  auto base = bases_.find(kb_id);
  if (base == bases_.end() || base->second.account != account) return not_found("knowledge base " + kb_id);
  const std::string name = string_member(body, "name");
  if (!valid_name(name)) return invalid("name must match ([0-9a-zA-Z][_-]?){1,100}");
  const json* config = member(body, "dataSourceConfiguration");
  if (!config || string_member(*config, "type") != "CUSTOM")
    return invalid("dataSourceConfiguration.type must be CUSTOM (this fake ingests inline documents only)");
  for (const auto& [id, existing] : base->second.data_sources)
    if (existing == name) return fail(409, "ConflictException", "a data source named " + name + " exists");
  const std::string id = derived_id("ds/" + kb_id + "/" + name);
  base->second.data_sources[id] = name;
  const std::string now = timestamp();
  return Reply{200,
               json{{"dataSource", {{"knowledgeBaseId", kb_id}, {"dataSourceId", id}, {"name", name}, {"status", "AVAILABLE"},
                                    {"dataSourceConfiguration", *config}, {"createdAt", now}, {"updatedAt", now}}}},
               "", true};
}

Reply KnowledgeBaseApi::list_data_sources(const std::string& kb_id, const std::string& account) {
  auto base = bases_.find(kb_id);
  if (base == bases_.end() || base->second.account != account) return not_found("knowledge base " + kb_id);
  json summaries = json::array();
  for (const auto& [id, name] : base->second.data_sources)
    summaries.push_back({{"knowledgeBaseId", kb_id}, {"dataSourceId", id}, {"name", name}, {"status", "AVAILABLE"},
                         {"updatedAt", base->second.summary["updatedAt"]}});
  return Reply{200, json{{"dataSourceSummaries", summaries}}, "", false};
}

Reply KnowledgeBaseApi::ingest(const std::string& kb_id, const std::string& ds_id, const json& body, const std::string& account) {
  auto base = bases_.find(kb_id);
  if (base == bases_.end() || base->second.account != account) return not_found("knowledge base " + kb_id);
  if (!base->second.data_sources.count(ds_id)) return not_found("data source " + ds_id);
  const json* documents = member(body, "documents");
  if (!documents || !documents->is_array() || documents->empty() || documents->size() > 10)
    return invalid("documents must hold 1 to 10 documents");
  // Validate every document before ingesting any: a refused call changes nothing.
  std::vector<KnowledgeDocument> parsed;
  for (size_t i = 0; i < documents->size(); ++i) {
    const json& d = (*documents)[i];
    const std::string at = fmt::format("documents[{}]", i);
    const json* content = member(d, "content");
    const json* custom = content ? member(*content, "custom") : nullptr;
    if (!content || string_member(*content, "dataSourceType") != "CUSTOM" || !custom)
      return invalid(at + ".content: dataSourceType CUSTOM with a custom document is required");
    KnowledgeDocument doc;
    const json* ident = member(*custom, "customDocumentIdentifier");
    doc.id = ident ? string_member(*ident, "id") : "";
    if (doc.id.empty() || doc.id.size() > 2048) return invalid(at + ".content.custom.customDocumentIdentifier.id must be 1-2048 characters");
    const json* inline_content = member(*custom, "inlineContent");
    const json* text = inline_content ? member(*inline_content, "textContent") : nullptr;
    if (string_member(*custom, "sourceType") != "IN_LINE" || !inline_content || string_member(*inline_content, "type") != "TEXT" ||
        !text || !member(*text, "data") || !(*text)["data"].is_string())
      return invalid(at + ".content.custom: only IN_LINE TEXT content (inlineContent.textContent.data) is kept by this fake");
    doc.text = (*text)["data"].get<std::string>();
    if (const json* metadata = member(d, "metadata")) {
      if (string_member(*metadata, "type") != "IN_LINE_ATTRIBUTE")
        return invalid(at + ".metadata.type: only IN_LINE_ATTRIBUTE is kept by this fake");
      const json* attributes = member(*metadata, "inlineAttributes");
      if (attributes && !attributes->is_array()) return invalid(at + ".metadata.inlineAttributes must be a list");
      for (const auto& a : attributes ? *attributes : json::array()) {
        const std::string key = string_member(a, "key");
        const json* value = member(a, "value");
        auto v = value ? attribute_value(*value) : std::nullopt;
        if (key.empty() || !v) return invalid(at + ".metadata: each attribute needs a key and a STRING, NUMBER or BOOLEAN value");
        doc.metadata[key] = *v;
      }
    }
    parsed.push_back(std::move(doc));
  }
  json details = json::array();
  const std::string now = timestamp();
  for (auto& doc : parsed) {
    const std::string id = doc.id;
    std::optional<Status> done;
    auto put = [](KnowledgeBase& kb, std::string kb_name, KnowledgeDocument d, std::optional<Status>* out) -> Task<void> {
      out->emplace(co_await kb.ingest(std::move(kb_name), std::move(d)));
    };
    run_(put(kb_, kb_id, std::move(doc), &done));
    details.push_back({{"knowledgeBaseId", kb_id}, {"dataSourceId", ds_id}, {"status", done && done->ok() ? "INDEXED" : "FAILED"},
                       {"identifier", {{"dataSourceType", "CUSTOM"}, {"custom", {{"id", id}}}}}, {"updatedAt", now}});
  }
  return Reply{202, json{{"documentDetails", details}}, "", true};
}

Reply KnowledgeBaseApi::retrieve(const std::string& kb_id, const json& body, const std::string& account) {
  auto base = bases_.find(kb_id);
  if (base == bases_.end() || base->second.account != account) return not_found("knowledge base " + kb_id);
  RetrieveRequest req;
  req.knowledge_base_id = kb_id;
  const json* query = member(body, "retrievalQuery");
  req.query = query ? string_member(*query, "text") : "";
  if (req.query.empty()) return invalid("retrievalQuery.text is required");
  req.max_results = 5;  // AWS's default numberOfResults
  const json* config = member(body, "retrievalConfiguration");
  const json* vector = config ? member(*config, "vectorSearchConfiguration") : nullptr;
  if (config && !vector) return invalid("retrievalConfiguration.vectorSearchConfiguration is required");
  if (vector) {
    if (const json* n = member(*vector, "numberOfResults")) {
      if (!n->is_number_integer()) return invalid("numberOfResults must be an integer");
      req.max_results = n->get<int>();
    }
    if (const json* filter = member(*vector, "filter")) {
      const json* equals = member(*filter, "equals");
      if (!filter->is_object() || filter->size() != 1 || !equals)
        return invalid("filter: this fake applies one `equals` filter only (" + filter->dump() + ")");
      const json* value = member(*equals, "value");
      if (string_member(*equals, "key").empty() || !value || !value->is_string())
        return invalid("filter.equals needs a key and a string value");
      req.filter = MetadataEquals{string_member(*equals, "key"), value->get<std::string>()};
    }
  }
  std::optional<Result<RetrieveResponse>> out;
  auto find = [](KnowledgeBase& kb, RetrieveRequest r, std::optional<Result<RetrieveResponse>>* o) -> Task<void> {
    o->emplace(co_await kb.retrieve(std::move(r)));
  };
  run_(find(kb_, std::move(req), &out));
  if (!out) return fail(500, "InternalServerException", "the call did not complete");
  if (!out->ok()) {
    const Error& e = out->error();
    const int status = e.kind == ErrorKind::kNotFound ? 404 : e.kind == ErrorKind::kTooManyRequests ? 429 : e.kind == ErrorKind::kBadRequest ? 400 : 500;
    return fail(status, e.name, e.message);
  }
  json results = json::array();
  for (const auto& r : (*out)->results) {
    json item = {{"content", {{"text", r.text}, {"type", "TEXT"}}},
                 {"location", {{"type", "CUSTOM"}, {"customDocumentLocation", {{"id", r.document_id}}}}},
                 {"score", static_cast<double>(r.score_milli) / 1000.0}};
    if (!r.metadata.empty()) item["metadata"] = r.metadata;
    results.push_back(std::move(item));
  }
  return Reply{200, json{{"retrievalResults", results}}, "", false};
}

}  // namespace tenantsim::kb_wire
