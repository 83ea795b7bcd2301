// A stored need as the engine hands it out (Recommender::GetNeed, the
// complexes' feed): what the SME sent and what the service answered. Never
// its access token's hash nor its vector: those stay in the engine (the
// store's StoredNeed adds them), and tokens are checked by
// Recommender::GetNeedWithToken.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/need.h"

namespace iisc {

// One of a need's best services when it was submitted, with its score.
struct NeedMatch {
  std::string capability_id;
  double score = 0;
};

struct NeedRecord {
  std::string id;
  Need need;
  int64_t created_unix_ms = 0;
  std::string config_version;
  std::vector<std::string> recommended_capability_ids;  // in rank order
  // The field the engine inferred from the text when the SME gave none, and
  // how sure it was (0..1): what the bureau's map counts the need under. Empty
  // when the SME gave the field, when the engine could not tell, or for needs
  // stored before it was kept.
  std::string inferred_field;
  double inferred_field_confidence = 0;
  // Set when the SME deleted the need: its personal data (description,
  // enterprise name and contact) and its vector are gone; the rest stays
  // for anonymous counts.
  int64_t erased_unix_ms = 0;
};

}  // namespace iisc
