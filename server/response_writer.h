// Serializes engine answers into the API's JSON (models/json_writer.h). Pure
// functions of their inputs: no I/O, no engine calls, safe on any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/recommender.h"
#include "models/catalog.h"
#include "models/taxonomy.h"

namespace iisc {

class JsonWriter;

// Writes the members shared by both recommendation answers: "results" (or
// `results_key`), "understanding", "config_version", "model_version".
void WriteRecommendationMembers(JsonWriter& w, const RecommendResponse& response,
                                const Taxonomy& taxonomy, const char* results_key);

// 200 body of POST /v1/recommendations.
std::string RecommendationsJson(const RecommendResponse& response, const Taxonomy& taxonomy);

// 201 body of POST /v1/needs: id, access_token and the recommendations.
std::string SubmittedNeedJson(const SubmittedNeed& submitted, const Taxonomy& taxonomy);

// GET /v1/needs/{id}: the need as stored, its status and its requests;
// never the token or its hash. An erased need shows no personal data.
std::string NeedRecordJson(const NeedRecord& need, NeedStatus status,
                           const std::vector<ServiceRequest>& requests,
                           const CatalogSnapshot* snapshot, const Recommender& engine);

// One service request; with a snapshot, the service's and complex's names
// for display.
void WriteServiceRequest(JsonWriter& w, const ServiceRequest& request,
                         const CatalogSnapshot* snapshot, const Recommender& engine);
// {"requests": [...], "need_status": ...} of a lifecycle write or list.
std::string ServiceRequestsJson(const std::vector<ServiceRequest>& requests,
                                std::string_view need_status, const CatalogSnapshot* snapshot,
                                const Recommender& engine);
// The need's members a complex may read: text, field, county, size; the
// enterprise (name, contact) only when `with_contact`.
void WriteNeedForComplex(JsonWriter& w, const NeedRecord& need, bool with_contact);
std::string FeedPageJson(const FeedPage& page);
std::string EventPageJson(const EventPage& page);
void WriteComplexToken(JsonWriter& w, const ComplexToken& token);

// GET /v1/complexes and GET /v1/complexes/{id}.
std::string ComplexListJson(const std::vector<const Complex*>& complexes);
std::string ComplexJson(const Complex& complex);

// POST /v1/admin/catalog: what the import changed.
std::string CatalogImportJson(const CatalogImport& import, std::string_view mode);

// GET /v1/admin/demand: stored needs against the services and their monthly
// capacity, per service type.
std::string DemandJson(const DemandStats& demand, const Taxonomy& taxonomy);

}  // namespace iisc
