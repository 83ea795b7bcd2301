#include "engine/catalog_snapshot.h"

#include <algorithm>
#include <bit>

namespace iisc {

std::string CapabilityText(const Capability& cap, const Complex& complex, const Taxonomy& taxonomy) {
  std::string text;
  auto add = [&text](const std::string& s) {
    if (s.empty()) return;
    text += s;
    text += "\n";
  };
  add(cap.institution.zh);
  add(cap.institution.en);
  add(cap.description.zh);
  add(cap.description.en);
  add(complex.name.zh);
  add(complex.name.en);
  int type = taxonomy.ServiceTypeIndex(cap.type);
  if (type >= 0) {
    add(taxonomy.service_types()[type].name.zh);
    add(taxonomy.service_types()[type].name.en);
  }
  for (const std::string& f : cap.fields) {
    int idx = taxonomy.FieldIndex(f);
    if (idx < 0) continue;
    add(taxonomy.fields()[idx].name.zh);
    add(taxonomy.fields()[idx].name.en);
  }
  return text;
}

namespace {

void SetBit(RowBits& bits, size_t row) { bits[row / 64] |= uint64_t{1} << (row % 64); }

void BuildFilterIndex(const Taxonomy& taxonomy, CatalogSnapshot* snap) {
  const size_t n = snap->rows.size(), words = (n + 63) / 64;
  const size_t counties = taxonomy.counties().size(), types = taxonomy.service_types().size(),
               fields = taxonomy.fields().size();
  snap->eligible.assign(words, 0);
  snap->by_county.assign(counties, RowBits(words, 0));
  snap->by_type.assign(types, RowBits(words, 0));
  snap->by_field.assign(fields, RowBits(words, 0));
  snap->type_field_rows.assign(types, std::vector<std::vector<uint32_t>>(fields));
  for (size_t r = 0; r < n; ++r) {
    const CapabilityRow& row = snap->rows[r];
    if (row.field_bits != 0) SetBit(snap->eligible, r);
    snap->all_eligible = snap->all_eligible && row.field_bits != 0;
    for (size_t c = 0; c < counties; ++c)
      if (row.county < 0 || static_cast<size_t>(row.county) == c) SetBit(snap->by_county[c], r);
    for (size_t t = 0; t < types; ++t)
      if (row.service_type < 0 || static_cast<size_t>(row.service_type) == t) SetBit(snap->by_type[t], r);
    for (uint64_t bits = row.field_bits; bits != 0; bits &= bits - 1) {
      const auto f = static_cast<size_t>(std::countr_zero(bits));
      if (f >= fields) continue;
      SetBit(snap->by_field[f], r);
      if (row.service_type >= 0) snap->type_field_rows[row.service_type][f].push_back(static_cast<uint32_t>(r));
    }
  }
}

}  // namespace

std::shared_ptr<CatalogSnapshot> BuildSnapshot(std::vector<Complex> complexes,
                                               const std::vector<TextFeatures>& features,
                                               std::shared_ptr<const TextModel> model,
                                               const Taxonomy& taxonomy) {
  auto snap = std::make_shared<CatalogSnapshot>();
  snap->complexes = std::move(complexes);
  snap->model = std::move(model);
  snap->vectors = VectorMatrix(static_cast<size_t>(std::max(1, snap->model->dim())));
  // Postings in one flat array (term by term, rows ascending): exactly 8
  // bytes a posting, no per-term vectors growing with slack.
  const size_t num_terms = snap->model->num_terms();
  snap->posting_offsets.assign(num_terms + 1, 0);
  for (const TextFeatures& f : features) {
    for (uint32_t term : f.terms.ids)
      if (term < num_terms) ++snap->posting_offsets[term + 1];
  }
  for (size_t t = 0; t < num_terms; ++t) snap->posting_offsets[t + 1] += snap->posting_offsets[t];
  snap->posting_data.resize(snap->posting_offsets[num_terms]);
  std::vector<uint64_t> fill(snap->posting_offsets.begin(), snap->posting_offsets.end() - 1);

  size_t total = 0;
  for (const Complex& c : snap->complexes) total += c.services.size();
  snap->rows.reserve(total);
  snap->capabilities.reserve(total);
  snap->vectors.Reserve(total);

  size_t row = 0;
  for (uint32_t ci = 0; ci < snap->complexes.size(); ++ci) {
    const Complex& complex = snap->complexes[ci];
    snap->complex_by_id.emplace(complex.id, ci);
    int county = taxonomy.CountyIndex(complex.county);
    for (const Capability& cap : complex.services) {
      CapabilityRow r;
      for (const std::string& f : cap.fields) {
        int idx = taxonomy.FieldIndex(f);
        if (idx < 0 || idx >= 64) continue;
        r.field_bits |= uint64_t{1} << idx;
        r.category_bits |= static_cast<uint16_t>(1u << taxonomy.fields()[idx].category);
        r.best_priority = std::max(r.best_priority, PriorityRank(taxonomy.fields()[idx].priority));
      }
      r.num_fields = static_cast<uint8_t>(std::min<size_t>(cap.fields.size(), 255));
      r.service_type = static_cast<int16_t>(taxonomy.ServiceTypeIndex(cap.type));
      r.county = static_cast<int16_t>(county);
      int price = PriceLevelIndex(cap.price_level);
      r.price_level = static_cast<uint8_t>(price < 0 ? 2 : price);
      r.rating = static_cast<float>(cap.rating);
      r.capacity_per_month = cap.capacity_per_month;
      r.complex_index = ci;
      r.municipal = complex.level == "municipal";
      snap->rows.push_back(r);
      snap->capabilities.push_back(&cap);

      const TextFeatures& f = features[row];
      for (size_t i = 0; i < f.terms.ids.size(); ++i) {
        uint32_t term = f.terms.ids[i];
        if (term < num_terms) snap->posting_data[fill[term]++] = {static_cast<uint32_t>(row), f.terms.weights[i]};
      }
      snap->vectors.Append(f.vector);
      ++row;
    }
  }
  snap->used_this_month = std::make_unique<std::atomic<int64_t>[]>(std::max<size_t>(total, 1));
  for (size_t i = 0; i < total; ++i) snap->used_this_month[i].store(0);
  snap->compact = QuantizedMatrix::FromFloat(snap->vectors);
  BuildFilterIndex(taxonomy, snap.get());
  return snap;
}

}  // namespace iisc
