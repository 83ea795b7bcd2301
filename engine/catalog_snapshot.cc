#include "engine/catalog_snapshot.h"

#include <algorithm>
#include <future>
#include <bit>
#include <iterator>

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
void ClearBit(RowBits& bits, size_t row) { bits[row / 64] &= ~(uint64_t{1} << (row % 64)); }

CapabilityRow MakeRow(const Capability& cap, const Complex& complex, uint32_t slot, const Taxonomy& taxonomy) {
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
  r.county = static_cast<int16_t>(taxonomy.CountyIndex(complex.county));
  int price = PriceLevelIndex(cap.price_level);
  r.price_level = static_cast<uint8_t>(price < 0 ? 2 : price);
  r.rating = static_cast<float>(cap.rating);
  r.capacity_per_month = cap.capacity_per_month;
  r.complex_index = slot;
  r.municipal = complex.level == "municipal";
  return r;
}

// A retired row: no capability, no field, so no filter or list admits it.
CapabilityRow RetiredRow(uint32_t slot) {
  CapabilityRow r;
  r.complex_index = slot;
  return r;
}

void ResizeFilters(const Taxonomy& taxonomy, size_t rows, CatalogSnapshot* snap) {
  const size_t words = (rows + 63) / 64;
  snap->eligible.resize(words, 0);
  snap->by_county.resize(taxonomy.counties().size());
  snap->by_type.resize(taxonomy.service_types().size());
  snap->by_field.resize(taxonomy.fields().size());
  for (auto* family : {&snap->by_county, &snap->by_type, &snap->by_field})
    for (RowBits& bits : *family) bits.resize(words, 0);
  snap->type_field_rows.resize(taxonomy.service_types().size());
  for (auto& per_type : snap->type_field_rows) per_type.resize(taxonomy.fields().size());
}

// Adds row r to the filters and candidate lists. REQUIRES: r above every
// row already listed (lists stay ascending).
void IndexRow(size_t r, CatalogSnapshot* snap) {
  const CapabilityRow& row = snap->rows[r];
  if (row.field_bits == 0) {
    snap->all_eligible = false;
    return;
  }
  SetBit(snap->eligible, r);
  for (size_t c = 0; c < snap->by_county.size(); ++c)
    if (row.county < 0 || static_cast<size_t>(row.county) == c) SetBit(snap->by_county[c], r);
  for (size_t t = 0; t < snap->by_type.size(); ++t)
    if (row.service_type < 0 || static_cast<size_t>(row.service_type) == t) SetBit(snap->by_type[t], r);
  for (uint64_t bits = row.field_bits; bits != 0; bits &= bits - 1) {
    const auto f = static_cast<size_t>(std::countr_zero(bits));
    if (f >= snap->by_field.size()) continue;
    SetBit(snap->by_field[f], r);
    if (row.service_type >= 0) snap->type_field_rows[row.service_type][f].push_back(static_cast<uint32_t>(r));
  }
}

// Takes row r out of the filters and lists and retires it.
void RetireRow(size_t r, CatalogSnapshot* snap) {
  const CapabilityRow row = snap->rows[r];
  if (row.field_bits != 0) {
    ClearBit(snap->eligible, r);
    for (RowBits& bits : snap->by_county) ClearBit(bits, r);
    for (RowBits& bits : snap->by_type) ClearBit(bits, r);
    for (uint64_t bits = row.field_bits; bits != 0; bits &= bits - 1) {
      const auto f = static_cast<size_t>(std::countr_zero(bits));
      if (f >= snap->by_field.size()) continue;
      ClearBit(snap->by_field[f], r);
      if (row.service_type < 0) continue;
      auto& list = snap->type_field_rows[row.service_type][f];
      auto it = std::lower_bound(list.begin(), list.end(), static_cast<uint32_t>(r));
      if (it != list.end() && *it == r) list.erase(it);
    }
    snap->all_eligible = false;
  }
  if (snap->capabilities[r] != nullptr) --snap->live_rows;
  snap->rows[r] = RetiredRow(row.complex_index);
  snap->capabilities[r] = nullptr;
}

// The quantization steps of the postings' weights, term by term. They come
// from the model alone, never from the rows a table holds: a posting then
// decodes to the same weight in the base, in a tail, after a merge or a
// compaction, and after a fresh start over the same catalog.
std::vector<float> PostingSteps(const TextModel& model) {
  std::vector<float> steps(model.num_terms());
  for (size_t t = 0; t < steps.size(); ++t)
    steps[t] = PostingTable::StepFor(model.DocumentWeightBound(static_cast<uint32_t>(t)));
  return steps;
}

// A posting table of `tables` (each ascending in rows, each table's rows
// above the previous one's) and then the terms of new rows, keeping only the
// postings of rows `keep` admits.
template <typename Keep>
std::shared_ptr<PostingTable> MergePostings(std::span<const PostingTable* const> tables,
                                            std::span<const std::pair<uint32_t, const TextFeatures*>> added,
                                            const TextModel& model, Keep&& keep) {
  PostingTable::Builder builder(PostingSteps(model));
  const size_t num_terms = model.num_terms();
  // Both passes visit the same postings in the same order.
  auto pass = [&](bool fill) {
    for (const PostingTable* table : tables) {
      for (size_t t = 0; t < num_terms; ++t) {
        const auto term = static_cast<uint32_t>(t);
        // Tables of the same model share its steps: their codes are copied as
        // they are. A table of another model's steps is encoded again.
        const bool same_step = table->step(term) == builder.step(term);
        table->ForEachCode(term, [&](uint32_t row, uint16_t code) {
          if (!keep(row)) return;
          if (!fill) {
            builder.Count(term, row);
          } else if (same_step) {
            builder.AddCode(term, row, code);
          } else {
            builder.Add(term, row, PostingTable::Decode(code, table->step(term)));
          }
        });
      }
    }
    for (const auto& [row, features] : added) {
      const SparseVector& terms = features->terms;
      for (size_t i = 0; i < terms.ids.size(); ++i) {
        const uint32_t term = terms.ids[i];
        if (term >= num_terms) continue;
        if (fill) {
          builder.Add(term, row, terms.weights[i]);
        } else {
          builder.Count(term, row);
        }
      }
    }
  };
  pass(false);
  builder.Allocate();
  pass(true);
  return std::make_shared<PostingTable>(builder.Finish());
}

void SortSlotsById(CatalogSnapshot* snap) {
  snap->slots_by_id.clear();
  for (uint32_t s = 0; s < snap->slots.size(); ++s)
    if (snap->slots[s].complex) snap->slots_by_id.push_back(s);
  std::sort(snap->slots_by_id.begin(), snap->slots_by_id.end(), [&](uint32_t a, uint32_t b) {
    return snap->slots[a].complex->id < snap->slots[b].complex->id;
  });
}

// The id order after a change: the base's order without the emptied slots,
// merged with the new slots [first_new, end) (a linear pass, no full sort).
void MergeSlotsById(const std::vector<uint32_t>& base_order, uint32_t first_new, CatalogSnapshot* snap) {
  auto by_id = [&](uint32_t a, uint32_t b) { return snap->slots[a].complex->id < snap->slots[b].complex->id; };
  std::vector<uint32_t> fresh;
  for (uint32_t s = first_new; s < snap->slots.size(); ++s) fresh.push_back(s);
  std::sort(fresh.begin(), fresh.end(), by_id);
  std::vector<uint32_t> kept;
  kept.reserve(base_order.size());
  for (uint32_t s : base_order)
    if (snap->slots[s].complex) kept.push_back(s);
  snap->slots_by_id.clear();
  snap->slots_by_id.reserve(kept.size() + fresh.size());
  std::merge(kept.begin(), kept.end(), fresh.begin(), fresh.end(), std::back_inserter(snap->slots_by_id), by_id);
}

// The features of every live row, complex by complex in id order, from the
// snapshot itself (vectors and postings): what a compaction rebuilds from.
std::vector<TextFeatures> LiveFeatures(const CatalogSnapshot& snap) {
  const size_t n = snap.size(), dim = snap.vectors.dim();
  std::vector<uint32_t> count(n + 1, 0);
  const size_t num_terms = snap.model->num_terms();
  for (size_t t = 0; t < num_terms; ++t)
    snap.ForEachPosting(static_cast<uint32_t>(t), [&](uint32_t row, float) {
      if (snap.capabilities[row] != nullptr) ++count[row + 1];
    });
  for (size_t r = 0; r < n; ++r) count[r + 1] += count[r];
  std::vector<std::pair<uint32_t, float>> terms(count[n]);
  std::vector<uint32_t> fill(count.begin(), count.end() - 1);
  for (size_t t = 0; t < num_terms; ++t)
    snap.ForEachPosting(static_cast<uint32_t>(t), [&](uint32_t row, float weight) {
      if (snap.capabilities[row] != nullptr) terms[fill[row]++] = {static_cast<uint32_t>(t), weight};
    });
  std::vector<TextFeatures> out;
  out.reserve(snap.live_rows);
  for (uint32_t s : snap.slots_by_id) {
    const ComplexSlot& slot = snap.slots[s];
    for (uint32_t r = slot.first_row; r < slot.end_row; ++r) {
      TextFeatures f;
      f.vector.assign(snap.vectors.row(r), snap.vectors.row(r) + dim);
      for (uint32_t i = count[r]; i < count[r + 1]; ++i) {
        f.terms.ids.push_back(terms[i].first);
        f.terms.weights.push_back(terms[i].second);
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

std::shared_ptr<CatalogSnapshot> Compact(const CatalogSnapshot& snap, const Taxonomy& taxonomy) {
  std::vector<std::shared_ptr<const Complex>> complexes;
  for (uint32_t s : snap.slots_by_id) complexes.push_back(snap.slots[s].complex);
  auto compacted = BuildSnapshot(complexes, LiveFeatures(snap), snap.model, taxonomy);
  // The month's counts follow their rows to the new numbering.
  uint32_t next = 0;
  for (uint32_t s : snap.slots_by_id) {
    const ComplexSlot& slot = snap.slots[s];
    for (uint32_t r = slot.first_row; r < slot.end_row; ++r) {
      compacted->used_this_month[next++].store(snap.used_this_month[r].load(std::memory_order_relaxed),
                                               std::memory_order_relaxed);
    }
  }
  return compacted;
}

}  // namespace

const Complex* CatalogSnapshot::FindComplex(std::string_view id) const {
  const int slot = FindSlot(id);
  return slot < 0 ? nullptr : slots[static_cast<size_t>(slot)].complex.get();
}

int CatalogSnapshot::FindSlot(std::string_view id) const {
  auto it = std::lower_bound(slots_by_id.begin(), slots_by_id.end(), id,
                             [&](uint32_t s, std::string_view key) { return slots[s].complex->id < key; });
  if (it == slots_by_id.end() || slots[*it].complex->id != id) return -1;
  return static_cast<int>(*it);
}

int64_t CatalogSnapshot::RowOf(std::string_view capability_id) const {
  const size_t slash = capability_id.find('/');
  if (slash == std::string_view::npos) return -1;
  const int slot = FindSlot(capability_id.substr(0, slash));
  if (slot < 0) return -1;
  const ComplexSlot& s = slots[static_cast<size_t>(slot)];
  for (uint32_t r = s.first_row; r < s.end_row; ++r) {
    if (capabilities[r] != nullptr && capabilities[r]->id == capability_id) return r;
  }
  return -1;
}

std::vector<const Complex*> CatalogSnapshot::Complexes() const {
  std::vector<const Complex*> out;
  out.reserve(slots_by_id.size());
  for (uint32_t s : slots_by_id) out.push_back(slots[s].complex.get());
  return out;
}

std::shared_ptr<CatalogSnapshot> BuildSnapshot(std::vector<std::shared_ptr<const Complex>> complexes,
                                               const std::vector<TextFeatures>& features,
                                               std::shared_ptr<const TextModel> model,
                                               const Taxonomy& taxonomy) {
  auto snap = std::make_shared<CatalogSnapshot>();
  snap->model = std::move(model);
  snap->vectors = VectorMatrix(static_cast<size_t>(std::max(1, snap->model->dim())));
  size_t total = 0;
  for (const auto& c : complexes) total += c->services.size();
  snap->rows.reserve(total);
  snap->capabilities.reserve(total);
  snap->vectors.Reserve(total);
  ResizeFilters(taxonomy, total, snap.get());

  std::vector<std::pair<uint32_t, const TextFeatures*>> added;
  added.reserve(total);
  for (auto& complex : complexes) {
    const auto slot = static_cast<uint32_t>(snap->slots.size());
    ComplexSlot s{std::move(complex), static_cast<uint32_t>(snap->rows.size()), 0};
    for (const Capability& cap : s.complex->services) {
      const auto row = static_cast<uint32_t>(snap->rows.size());
      snap->rows.push_back(MakeRow(cap, *s.complex, slot, taxonomy));
      snap->capabilities.push_back(&cap);
      snap->vectors.Append(features[row].vector);
      added.emplace_back(row, &features[row]);
      IndexRow(row, snap.get());
    }
    s.end_row = static_cast<uint32_t>(snap->rows.size());
    snap->slots.push_back(std::move(s));
  }
  snap->live_rows = total;
  SortSlotsById(snap.get());
  // The postings and the int8 codes are independent: at a million rows each
  // takes seconds, so the postings are merged on a second thread.
  auto postings = std::async(std::launch::async, [&added, &model = *snap->model] {
    return MergePostings({}, added, model, [](uint32_t) { return true; });
  });
  snap->compact = QuantizedMatrix::FromFloat(snap->vectors);
  snap->tail_postings = std::make_shared<PostingTable>();
  snap->tail_first_row = static_cast<uint32_t>(total);
  snap->used_this_month = std::make_unique<std::atomic<int64_t>[]>(std::max<size_t>(total, 1));
  for (size_t i = 0; i < total; ++i) snap->used_this_month[i].store(0);
  snap->base_postings = postings.get();
  return snap;
}

std::shared_ptr<CatalogSnapshot> ApplyCatalogChange(const CatalogSnapshot& base, CatalogChange change,
                                                    const Taxonomy& taxonomy, const CompactionPolicy& policy) {
  auto snap = std::make_shared<CatalogSnapshot>();
  snap->model = base.model;
  snap->slots = base.slots;
  snap->capabilities = base.capabilities;
  snap->rows = base.rows;
  snap->live_rows = base.live_rows;
  snap->eligible = base.eligible;
  snap->all_eligible = base.all_eligible;
  snap->by_county = base.by_county;
  snap->by_type = base.by_type;
  snap->by_field = base.by_field;
  snap->type_field_rows = base.type_field_rows;

  // Retire the complexes removed or replaced.
  std::vector<std::string_view> gone(change.removed.begin(), change.removed.end());
  for (const auto& c : change.put) gone.push_back(c->id);
  for (std::string_view id : gone) {
    const int found = base.FindSlot(id);
    if (found < 0 || !snap->slots[static_cast<size_t>(found)].complex) continue;
    ComplexSlot& slot = snap->slots[static_cast<size_t>(found)];
    for (uint32_t r = slot.first_row; r < slot.end_row; ++r) RetireRow(r, snap.get());
    slot.complex.reset();
  }

  // Append the new ones after a block boundary (see VectorMatrix::Grown).
  const size_t first = base.vectors.GrownFirstRow();
  size_t added_rows = 0;
  for (const auto& c : change.put) added_rows += c->services.size();
  const size_t dim = base.vectors.dim();
  std::vector<float> values;
  values.reserve(added_rows * dim);
  ResizeFilters(taxonomy, first + added_rows, snap.get());
  while (snap->rows.size() < first) {
    snap->rows.push_back(RetiredRow(0));
    snap->capabilities.push_back(nullptr);
    snap->all_eligible = false;
  }
  std::vector<std::pair<uint32_t, const TextFeatures*>> added;
  for (size_t i = 0; i < change.put.size(); ++i) {
    const auto slot = static_cast<uint32_t>(snap->slots.size());
    ComplexSlot s{change.put[i], static_cast<uint32_t>(snap->rows.size()), 0};
    for (size_t j = 0; j < s.complex->services.size(); ++j) {
      const Capability& cap = s.complex->services[j];
      const TextFeatures& f = change.put_features[i][j];
      const auto row = static_cast<uint32_t>(snap->rows.size());
      snap->rows.push_back(MakeRow(cap, *s.complex, slot, taxonomy));
      snap->capabilities.push_back(&cap);
      values.insert(values.end(), f.vector.begin(), f.vector.end());
      values.resize(values.size() + (dim - std::min(dim, f.vector.size())), 0.f);
      added.emplace_back(row, &f);
      IndexRow(row, snap.get());
      ++snap->live_rows;
    }
    s.end_row = static_cast<uint32_t>(snap->rows.size());
    snap->slots.push_back(std::move(s));
  }
  MergeSlotsById(base.slots_by_id, static_cast<uint32_t>(base.slots.size()), snap.get());
  snap->vectors = base.vectors.Grown(values.data(), added_rows);
  snap->compact = base.compact.Grown(snap->vectors);

  const size_t n = snap->rows.size();
  snap->used_this_month = std::make_unique<std::atomic<int64_t>[]>(std::max<size_t>(n, 1));
  for (size_t r = 0; r < n; ++r) {
    snap->used_this_month[r].store(r < base.size() ? base.used_this_month[r].load(std::memory_order_relaxed) : 0,
                                   std::memory_order_relaxed);
  }

  // A tail past an eighth of the catalog is merged into the base, dropping
  // the postings of retired rows.
  const size_t tail_rows = n - base.tail_first_row;
  auto live = [&](uint32_t row) { return snap->capabilities[row] != nullptr; };
  if (tail_rows > std::max(policy.min_tail_rows_to_merge, n / 8)) {
    const PostingTable* tables[] = {base.base_postings.get(), base.tail_postings.get()};
    snap->base_postings = MergePostings(tables, added, *snap->model, live);
    snap->tail_postings = std::make_shared<PostingTable>();
    snap->tail_first_row = static_cast<uint32_t>(n);
  } else {
    const PostingTable* tables[] = {base.tail_postings.get()};
    snap->base_postings = base.base_postings;
    snap->tail_postings = MergePostings(tables, added, *snap->model, live);
    snap->tail_first_row = base.tail_first_row;
  }

  // Retired rows past a quarter of the catalog: compact.
  if (n - snap->live_rows > std::max(policy.min_retired_rows_to_compact, n / 4)) return Compact(*snap, taxonomy);
  return snap;
}

}  // namespace iisc
