#include "server/response_writer.h"

#include "engine/scoring_config.h"
#include "server/clarification.h"
#include "server/localized_json.h"
#include "server/result_fragments.h"
#include "models/json_writer.h"

namespace iisc {

namespace {

void WriteLabel(JsonWriter& w, const InferredLabel& label, const LocalizedText* name) {
  w.BeginObject().Key("id").String(label.id).Key("confidence").Number(label.confidence);
  if (name != nullptr) {
    w.Key("name");
    WriteLocalized(w, *name);
  }
  if (!label.evidence.empty()) {
    w.Key("evidence").BeginArray();
    for (const std::string& phrase : label.evidence) w.String(phrase);
    w.EndArray();
  }
  w.EndObject();
}

// A result: its score and explanation around the service's fragments,
// copied from the snapshot's table (null: built here).
void WriteResult(JsonWriter& w, const Recommendation& r, const Taxonomy& taxonomy,
                 ResultFragmentTable* table) {
  const ResultFragment* fragment = table != nullptr ? table->Find(r) : nullptr;
  ResultFragment built;
  if (fragment == nullptr) {
    built = BuildResultFragment(r, taxonomy);
    fragment = &built;
  }
  w.BeginObject();
  w.Key("rank").Int(r.rank);
  w.RawMembers(fragment->ids);
  w.Key("score").Number(r.score);
  w.Key("explanation").BeginObject();
  for (int c = 0; c < kNumComponents; ++c) {
    w.Key(ComponentName(static_cast<Component>(c))).Number(r.components[static_cast<size_t>(c)]);
  }
  w.EndObject();
  w.RawMembers(fragment->details);
  w.EndObject();
}

void WriteUnderstanding(JsonWriter& w, const NeedUnderstanding& u, const Taxonomy& taxonomy) {
  w.BeginObject();
  w.Key("field");
  if (u.field.id.empty()) {
    w.Null();
  } else {
    WriteLabel(w, u.field, NameOf(taxonomy.fields(), taxonomy.FieldIndex(u.field.id)));
  }
  w.Key("field_inferred").Bool(u.field_inferred);
  w.Key("service_types").BeginArray();
  for (const InferredLabel& label : u.service_types) {
    WriteLabel(w, label,
               NameOf(taxonomy.service_types(), taxonomy.ServiceTypeIndex(label.id)));
  }
  w.EndArray();
  w.Key("service_types_inferred").Bool(u.service_types_inferred);
  w.Key("hedged_types").BeginArray();
  for (const std::string& t : u.hedged_types) w.String(t);
  w.EndArray();
  w.Key("language").String(u.language);
  w.Key("clarification");
  const ClarifyingQuestion question = BuildClarifyingQuestion(u.clarify_between, u.language);
  if (question.options.empty()) {
    w.Null();
  } else {
    w.BeginObject().Key("question").String(question.question).Key("options").BeginArray();
    for (const ClarifyingOption& o : question.options) {
      w.BeginObject().Key("service_types").BeginArray();
      for (const std::string& t : o.service_types) w.String(t);
      w.EndArray().Key("label").String(o.label).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndObject();
}

}  // namespace

void WriteRecommendationMembers(JsonWriter& w, const RecommendResponse& response,
                                const Taxonomy& taxonomy, const char* results_key) {
  const std::shared_ptr<ResultFragmentTable> table = FragmentTableFor(response.snapshot, taxonomy);
  w.Key(results_key).BeginArray();
  for (const Recommendation& r : response.results) WriteResult(w, r, taxonomy, table.get());
  w.EndArray();
  if (!response.bundle.empty()) {
    w.Key("bundle").BeginArray();
    for (const Recommendation& r : response.bundle) WriteResult(w, r, taxonomy, table.get());
    w.EndArray();
  }
  w.Key("understanding");
  WriteUnderstanding(w, response.understanding, taxonomy);
  w.Key("config_version").String(response.config_version);
  w.Key("model_version").String(response.model_version);
}

std::string RecommendationsJson(const RecommendResponse& response, const Taxonomy& taxonomy) {
  std::string out;
  out.reserve(2048 + 1536 * response.results.size());  // about what a result takes
  JsonWriter w(&out);
  w.BeginObject();
  WriteRecommendationMembers(w, response, taxonomy, "results");
  w.EndObject();
  return out;
}

std::string SubmittedNeedJson(const SubmittedNeed& submitted, const Taxonomy& taxonomy) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("id").String(submitted.id);
  w.Key("access_token").String(submitted.access_token);
  WriteRecommendationMembers(w, submitted.recommendations, taxonomy, "recommendations");
  w.EndObject();
  return out;
}

void WriteNeedForComplex(JsonWriter& w, const NeedRecord& need, bool with_contact) {
  w.BeginObject();
  w.Key("need_id").String(need.id).Key("created_unix_ms").Int(need.created_unix_ms);
  if (need.erased_unix_ms == 0) w.Key("description").String(need.need.description);
  w.Key("field").String(need.need.field).Key("county").String(need.need.county);
  w.Key("size").String(need.need.size);
  w.Key("service_types").BeginArray();
  for (const std::string& t : need.need.service_types) w.String(t);
  w.EndArray();
  if (with_contact && need.erased_unix_ms == 0) {
    w.Key("enterprise").BeginObject().Key("name").String(need.need.enterprise_name);
    w.Key("contact").String(need.need.enterprise_contact).EndObject();
  }
  w.EndObject();
}

void WriteServiceRequest(JsonWriter& w, const ServiceRequest& r, const CatalogSnapshot* snapshot,
                         const Recommender& engine) {
  w.BeginObject();
  w.Key("id").String(r.id).Key("need_id").String(r.need_id);
  w.Key("capability_id").String(r.capability_id).Key("complex_id").String(r.complex_id);
  w.Key("service_type").String(r.service_type).Key("state").String(RequestStateName(r.state));
  w.Key("score").Number(r.score).Key("rank").Int(r.rank);
  w.Key("created_unix_ms").Int(r.created_unix_ms).Key("updated_unix_ms").Int(r.updated_unix_ms);
  if (r.expires_unix_ms != 0) {
    w.Key("expires_unix_ms").Int(r.expires_unix_ms);
  } else {
    w.Key("expires_unix_ms").Null();
  }
  if (!r.message.empty()) w.Key("message").String(r.message);
  if (!r.decline_reason.empty()) w.Key("decline_reason").String(r.decline_reason);
  if (!r.proposed_capability_id.empty()) {
    w.Key("proposed_capability_id").String(r.proposed_capability_id);
    w.Key("proposal_message").String(r.proposal_message);
  }
  if (r.rating != 0) w.Key("rating").Int(r.rating).Key("comment").String(r.comment);
  w.Key("history").BeginArray();
  for (const Transition& t : r.history) {
    w.BeginObject().Key("state").String(RequestStateName(t.state)).Key("at_unix_ms").Int(t.at_unix_ms);
    w.Key("by").String(ActorName(t.by));
    if (!t.note.empty()) w.Key("note").String(t.note);
    w.EndObject();
  }
  w.EndArray();
  if (snapshot != nullptr) {
    const auto name_of = [&](std::string_view capability_id, const char* key) {
      const Complex* complex = engine.FindComplex(*snapshot, r.complex_id);
      if (complex == nullptr) return;
      for (const Capability& cap : complex->services) {
        if (cap.id != capability_id) continue;
        w.Key(key).BeginObject();
        w.Key("institution").BeginObject().Key("zh").String(cap.institution.zh);
        w.Key("en").String(cap.institution.en).EndObject();
        w.Key("complex_name").BeginObject().Key("zh").String(complex->name.zh);
        w.Key("en").String(complex->name.en).EndObject();
        w.EndObject();
      }
    };
    name_of(r.capability_id, "service");
    if (!r.proposed_capability_id.empty()) name_of(r.proposed_capability_id, "proposed_service");
  }
  w.EndObject();
}

std::string ServiceRequestsJson(const std::vector<ServiceRequest>& requests,
                                std::string_view need_status, const CatalogSnapshot* snapshot,
                                const Recommender& engine) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  if (!need_status.empty()) w.Key("need_status").String(need_status);
  w.Key("requests").BeginArray();
  for (const ServiceRequest& r : requests) WriteServiceRequest(w, r, snapshot, engine);
  w.EndArray().EndObject();
  return out;
}

std::string NeedRecordJson(const NeedRecord& need, NeedStatus status,
                           const std::vector<ServiceRequest>& requests,
                           const CatalogSnapshot* snapshot, const Recommender& engine) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("id").String(need.id);
  w.Key("created_unix_ms").Int(need.created_unix_ms);
  w.Key("status").String(NeedStatusName(status));
  if (need.erased_unix_ms == 0) {
    w.Key("need").Raw(NeedToJson(need.need));
  } else {
    // What stays of an erased need: the anonymous facts counted by the bureau.
    w.Key("need").BeginObject().Key("field").String(need.need.field);
    w.Key("county").String(need.need.county).Key("size").String(need.need.size);
    w.EndObject();
    w.Key("erased_unix_ms").Int(need.erased_unix_ms);
  }
  w.Key("config_version").String(need.config_version);
  w.Key("recommended_capability_ids").BeginArray();
  for (const std::string& id : need.recommended_capability_ids) w.String(id);
  w.EndArray();
  w.Key("requests").BeginArray();
  for (const ServiceRequest& r : requests) WriteServiceRequest(w, r, snapshot, engine);
  w.EndArray();
  w.EndObject();
  return out;
}

std::string FeedPageJson(const FeedPage& page) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("needs").BeginArray();
  for (const FeedItem& item : page.items) {
    w.BeginObject();
    w.Key("need");
    WriteNeedForComplex(w, item.need, item.requested);
    w.Key("requested").Bool(item.requested);
    w.Key("matches").BeginArray();
    for (const FeedMatch& m : item.matches) {
      w.BeginObject().Key("capability_id").String(m.capability_id);
      w.Key("service_type").String(m.service_type).Key("score").Number(m.score).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  if (page.next_cursor.empty()) {
    w.Key("next_cursor").Null();
  } else {
    w.Key("next_cursor").String(page.next_cursor);
  }
  w.EndObject();
  return out;
}

std::string EventPageJson(const EventPage& page) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("events").BeginArray();
  for (const LifecycleEvent& e : page.events) {
    w.BeginObject().Key("seq").Int(static_cast<int64_t>(e.seq)).Key("at_unix_ms").Int(e.at_unix_ms);
    w.Key("type").String(e.type).Key("need_id").String(e.need_id);
    if (!e.request_id.empty()) {
      w.Key("request_id").String(e.request_id).Key("complex_id").String(e.complex_id);
      w.Key("capability_id").String(e.capability_id).Key("service_type").String(e.service_type);
    }
    w.Key("state").String(e.state).EndObject();
  }
  w.EndArray();
  w.Key("next_cursor").String(std::to_string(page.next_after));
  w.EndObject();
  return out;
}

void WriteComplexToken(JsonWriter& w, const ComplexToken& t) {
  w.BeginObject().Key("id").String(t.id).Key("complex_id").String(t.complex_id);
  w.Key("name").String(t.name).Key("created_unix_ms").Int(t.created_unix_ms);
  if (t.revoked_unix_ms == 0) {
    w.Key("revoked_unix_ms").Null();
  } else {
    w.Key("revoked_unix_ms").Int(t.revoked_unix_ms);
  }
  w.EndObject();
}

std::string ComplexListJson(const std::vector<const Complex*>& complexes) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("complexes").BeginArray();
  for (const Complex* c : complexes) w.Raw(ComplexToJson(*c, /*include_services=*/true));
  w.EndArray().EndObject();
  return out;
}

std::string ComplexJson(const Complex& complex) {
  return ComplexToJson(complex, /*include_services=*/true);
}

std::string CatalogImportJson(const CatalogImport& import, std::string_view mode) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("mode").String(mode);
  w.Key("added").Int(import.added);
  w.Key("replaced").Int(import.replaced);
  w.Key("removed").Int(import.removed);
  w.Key("complexes").Int(import.total);
  w.EndObject();
  return out;
}

std::string DemandJson(const DemandStats& demand, const Taxonomy& taxonomy) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("total_needs").Int(demand.total_needs);
  w.Key("rows").BeginArray();
  for (const DemandStats::Row& row : demand.rows) {
    w.BeginObject();
    w.Key("service_type").String(row.service_type);
    if (const LocalizedText* name =
            NameOf(taxonomy.service_types(), taxonomy.ServiceTypeIndex(row.service_type))) {
      w.Key("service_type_name");
      WriteLocalized(w, *name);
    }
    if (!row.field.empty()) w.Key("field").String(row.field);
    w.Key("needs").Int(row.needs);
    w.Key("capabilities").Int(row.capabilities);
    w.Key("monthly_capacity").Int(row.monthly_capacity);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

}  // namespace iisc
