#include "server/response_writer.h"

#include "engine/scoring_config.h"
#include "server/clarification.h"
#include "models/json_writer.h"

namespace iisc {

namespace {

void WriteLocalized(JsonWriter& w, const LocalizedText& text) {
  w.BeginObject().Key("zh").String(text.zh).Key("en").String(text.en).EndObject();
}

// The display name of a taxonomy id, so the portal need not join on its own.
template <typename Info>
const LocalizedText* NameOf(const std::vector<Info>& infos, int index) {
  if (index < 0 || index >= static_cast<int>(infos.size())) return nullptr;
  return &infos[static_cast<size_t>(index)].name;
}

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

void WriteResult(JsonWriter& w, const Recommendation& r, const Taxonomy& taxonomy) {
  w.BeginObject();
  w.Key("rank").Int(r.rank);
  w.Key("capability_id").String(r.capability != nullptr ? r.capability->id : "");
  w.Key("complex_id").String(r.complex != nullptr ? r.complex->id : "");
  w.Key("score").Number(r.score);
  w.Key("explanation").BeginObject();
  for (int c = 0; c < kNumComponents; ++c) {
    w.Key(ComponentName(static_cast<Component>(c))).Number(r.components[static_cast<size_t>(c)]);
  }
  w.EndObject();
  if (r.capability != nullptr) {
    const Capability& cap = *r.capability;
    w.Key("service_type").String(cap.type);
    if (const LocalizedText* name =
            NameOf(taxonomy.service_types(), taxonomy.ServiceTypeIndex(cap.type))) {
      w.Key("service_type_name");
      WriteLocalized(w, *name);
    }
    w.Key("institution");
    WriteLocalized(w, cap.institution);
    w.Key("description");
    WriteLocalized(w, cap.description);
    w.Key("fields").BeginArray();
    for (const std::string& f : cap.fields) w.String(f);
    w.EndArray();
    w.Key("price_level").String(cap.price_level);
    w.Key("rating").Number(cap.rating);
  }
  if (r.complex != nullptr) {
    const Complex& cx = *r.complex;
    w.Key("complex_name");
    WriteLocalized(w, cx.name);
    w.Key("county").String(cx.county);
    if (const LocalizedText* name =
            NameOf(taxonomy.counties(), taxonomy.CountyIndex(cx.county))) {
      w.Key("county_name");
      WriteLocalized(w, *name);
    }
  }
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
  w.Key(results_key).BeginArray();
  for (const Recommendation& r : response.results) WriteResult(w, r, taxonomy);
  w.EndArray();
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

std::string StoredNeedJson(const StoredNeed& need) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("id").String(need.id);
  w.Key("created_unix_ms").Int(need.created_unix_ms);
  w.Key("need").Raw(NeedToJson(need.need));
  w.Key("config_version").String(need.config_version);
  w.Key("recommended_capability_ids").BeginArray();
  for (const std::string& id : need.recommended_capability_ids) w.String(id);
  w.EndArray();
  w.EndObject();
  return out;
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
