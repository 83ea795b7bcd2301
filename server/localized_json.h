// Taxonomy names in answers: shared by the response writer and the result
// fragments, which must write a service's names exactly alike.
#pragma once

#include <cstddef>
#include <vector>

#include "models/json_writer.h"
#include "models/taxonomy.h"

namespace iisc {

// {"zh": ..., "en": ...}
inline void WriteLocalized(JsonWriter& w, const LocalizedText& text) {
  w.BeginObject().Key("zh").String(text.zh).Key("en").String(text.en).EndObject();
}

// The display name of a taxonomy id (its index into `infos`, -1 when
// unknown), so the portal need not join on its own; null when unknown.
template <typename Info>
const LocalizedText* NameOf(const std::vector<Info>& infos, int index) {
  if (index < 0 || index >= static_cast<int>(infos.size())) return nullptr;
  return &infos[static_cast<size_t>(index)].name;
}

}  // namespace iisc
