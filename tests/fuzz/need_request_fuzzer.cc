// The bodies of POST /v1/recommendations and POST /v1/needs, and a need read
// back as a standalone document: every input is either refused with an
// InvalidArgument or yields a request that satisfies the contract's rules and
// survives a round trip through its canonical JSON.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <simdjson.h>

#include "fuzz_support.h"
#include "models/need.h"
#include "models/text.h"
#include "server/request_parser.h"

namespace iisc::fuzz {
namespace {

bool Unique(const std::vector<std::string>& ids) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (std::find(ids.begin() + static_cast<ptrdiff_t>(i) + 1, ids.end(), ids[i]) != ids.end()) {
      return false;
    }
  }
  return true;
}

template <typename IndexOf>
void CheckIds(const std::vector<std::string>& ids, IndexOf index_of, const char* what) {
  FUZZ_CHECK(Unique(ids), what);
  for (const std::string& id : ids) FUZZ_CHECK(index_of(id) >= 0, std::string(what) + ": " + id);
}

void CheckNeed(const Need& need, const Taxonomy& taxonomy, size_t max_chars) {
  FUZZ_CHECK(IsValidUtf8(need.description), need.description);
  const size_t chars = CountCodePoints(need.description);
  FUZZ_CHECK(chars >= 1 && chars <= max_chars, need.description);
  FUZZ_CHECK(need.county.empty() || taxonomy.CountyIndex(need.county) >= 0, need.county);
  FUZZ_CHECK(need.field.empty() || taxonomy.FieldIndex(need.field) >= 0, need.field);
  FUZZ_CHECK(need.size.empty() || taxonomy.SizeIndex(need.size) >= 0, need.size);
  CheckIds(need.service_types, [&](const std::string& id) { return taxonomy.ServiceTypeIndex(id); },
           "need.service_types");

  // What is stored is what was understood.
  const std::string canonical = NeedToJson(need);
  NeedLimits limits;
  limits.max_description_chars = max_chars;
  Result<Need> again = ParseNeedJson(canonical, &taxonomy, limits);
  FUZZ_CHECK(again.ok(), canonical + " -> " + again.status().ToString());
  FUZZ_CHECK(*again == need, canonical);
}

// Accepted input must be one well-formed JSON document: the on-demand parser
// skips what it does not read, so the strict DOM parser is the oracle.
void CheckWellFormed(std::string_view input) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(input);
  FUZZ_CHECK(parser.parse(padded).get(root) == simdjson::SUCCESS, input);
}

}  // namespace
}  // namespace iisc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace iisc;
  using namespace iisc::fuzz;
  const Taxonomy& taxonomy = SharedTaxonomy();
  const std::string_view input = AsText(data, size);
  RequestLimits limits;  // the server's defaults
  limits.max_description_chars = 200;  // small enough for the fuzzer to reach

  std::string body(input);
  Result<RecommendRequest> request = ParseRecommendRequest(body, taxonomy, limits);
  FUZZ_CHECK(body == input, "the parser changed the body");
  if (request.ok()) {
    CheckWellFormed(input);
    FUZZ_CHECK(request->k >= 1 && request->k <= limits.max_k, std::to_string(request->k));
    CheckNeed(request->need, taxonomy, limits.max_description_chars);
    CheckIds(request->filters.counties, [&](const std::string& id) { return taxonomy.CountyIndex(id); },
             "filters.counties");
    CheckIds(request->filters.fields, [&](const std::string& id) { return taxonomy.FieldIndex(id); },
             "filters.fields");
    CheckIds(request->filters.service_types,
             [&](const std::string& id) { return taxonomy.ServiceTypeIndex(id); },
             "filters.service_types");
  } else {
    CheckRefusal(request.status());
  }

  body.assign(input);
  Result<Need> need = ParseNeedRequest(body, taxonomy, limits);
  if (need.ok()) {
    CheckWellFormed(input);
    CheckNeed(*need, taxonomy, limits.max_description_chars);
  } else {
    CheckRefusal(need.status());
  }

  // A stored need is read back without the taxonomy.
  NeedLimits need_limits;
  need_limits.max_description_chars = limits.max_description_chars;
  Result<Need> stored = ParseNeedJson(input, nullptr, need_limits);
  if (stored.ok()) {
    CheckWellFormed(input);
    Result<Need> again = ParseNeedJson(NeedToJson(*stored), nullptr, need_limits);
    FUZZ_CHECK(again.ok() && *again == *stored, NeedToJson(*stored));
  } else {
    CheckRefusal(stored.status());
  }
  return 0;
}
