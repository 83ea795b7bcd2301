#include <fstream>
#include <functional>
#include <sstream>
#include <unordered_set>

#include "models/hash.h"
#include "models/text.h"
#include "models/text_model.h"

namespace iisc {
namespace {

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

void AddNames(Vocabulary::Group* g, const LocalizedText& name, const Keywords& kw) {
  if (!name.zh.empty()) g->terms.push_back(name.zh);
  if (!name.en.empty()) g->terms.push_back(name.en);
  g->terms.insert(g->terms.end(), kw.zh.begin(), kw.zh.end());
  g->terms.insert(g->terms.end(), kw.en.begin(), kw.en.end());
}

// Reads "<name>: term | term | ..." lines; '#' starts a comment.
Status ReadGroupsFile(const std::string& path, bool required,
                      const std::function<Status(std::string name, std::vector<std::string> terms,
                                                 const std::string& where)>& add,
                      Fnv1a64* hash) {
  std::ifstream in(path);
  if (!in) {
    return required ? Status::InvalidArgument("cannot read vocabulary file " + path) : Status::Ok();
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    hash->Update(line);
    size_t hash_pos = line.find('#');
    std::string content = Trim(hash_pos == std::string::npos ? line : line.substr(0, hash_pos));
    if (content.empty()) continue;
    std::string where = path + " line " + std::to_string(line_no);
    size_t colon = content.find(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument(where + ": expected '<name>: term | term ...'");
    }
    std::string name = Trim(content.substr(0, colon));
    std::vector<std::string> terms;
    std::stringstream rest(content.substr(colon + 1));
    std::string term;
    while (std::getline(rest, term, '|')) {
      term = Trim(term);
      if (!term.empty()) terms.push_back(term);
    }
    if (name.empty() || terms.empty()) {
      return Status::InvalidArgument(where + ": a name and at least one term are needed");
    }
    IISC_RETURN_IF_ERROR(add(std::move(name), std::move(terms), where));
  }
  return Status::Ok();
}

// "<id> (weak)" names the weak words of field or type <id>.
bool StripWeakMark(std::string* name) {
  constexpr std::string_view kMark = "(weak)";
  if (name->size() < kMark.size() || name->compare(name->size() - kMark.size(), kMark.size(), kMark) != 0) {
    return false;
  }
  *name = Trim(std::string_view(*name).substr(0, name->size() - kMark.size()));
  return true;
}

// The group that takes the words of a field or type line: the taxonomy's own
// group, or for weak words one of their own beside it.
Vocabulary::Group* GroupFor(Vocabulary* v, size_t own_index, bool weak) {
  Vocabulary::Group& own = v->groups[own_index];
  if (!weak) return &own;
  for (Vocabulary::Group& g : v->groups) {
    if (g.weak && g.kind == own.kind && g.label == own.label) return &g;
  }
  Vocabulary::Group g{own.kind, own.label, own.name, {}, true};
  v->groups.push_back(std::move(g));
  return &v->groups.back();
}

// Words that match alike: normalized, English words stemmed ("labels" and
// "label" are one word).
std::string MatchKey(const std::string& term) {
  std::string norm = NormalizeText(term);
  std::string key, word;
  auto flush = [&] {
    if (!word.empty()) key += StemEnglish(word) + ' ';
    word.clear();
  };
  for (char c : norm) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      word += c;
    } else {
      flush();
      if (c != ' ' && c != '-') key += c;
    }
  }
  flush();
  return key;
}

// A word the bureau lists as weak is weak even where the taxonomy lists it
// among the field's or type's own keywords ("包装" of printing and packaging).
void DemoteWeakWords(Vocabulary* v) {
  for (const Vocabulary::Group& weak : v->groups) {
    if (!weak.weak) continue;
    std::unordered_set<std::string> demoted;
    for (const std::string& t : weak.terms) demoted.insert(MatchKey(t));
    for (Vocabulary::Group& g : v->groups) {
      if (g.weak || g.kind != weak.kind || g.label != weak.label) continue;
      std::erase_if(g.terms, [&](const std::string& t) { return demoted.count(MatchKey(t)) != 0; });
    }
  }
}

}  // namespace

Vocabulary Vocabulary::FromTaxonomy(const Taxonomy& taxonomy) {
  Vocabulary v;
  for (size_t i = 0; i < taxonomy.fields().size(); ++i) {
    const FieldInfo& f = taxonomy.fields()[i];
    Group g{Group::Kind::kField, static_cast<int>(i), f.id, {}};
    AddNames(&g, f.name, f.keywords);
    v.groups.push_back(std::move(g));
  }
  for (size_t i = 0; i < taxonomy.service_types().size(); ++i) {
    const ServiceTypeInfo& t = taxonomy.service_types()[i];
    Group g{Group::Kind::kServiceType, static_cast<int>(i), t.id, {}};
    AddNames(&g, t.name, t.keywords);
    v.groups.push_back(std::move(g));
  }
  Fnv1a64 hash;
  hash.Update(taxonomy.source_json());
  v.fingerprint = hash.Hex();
  return v;
}

Result<Vocabulary> Vocabulary::Load(const std::string& dir, const Taxonomy& taxonomy) {
  Vocabulary v = FromTaxonomy(taxonomy);
  const size_t num_fields = taxonomy.fields().size();
  Fnv1a64 hash;
  hash.Update(v.fingerprint);
  IISC_RETURN_IF_ERROR(ReadGroupsFile(
      dir + "/fields.txt", true,
      [&](std::string name, std::vector<std::string> terms, const std::string& where) {
        bool weak = StripWeakMark(&name);
        int idx = taxonomy.FieldIndex(name);
        if (idx < 0) return Status::InvalidArgument(where + ": unknown field id '" + name + "'");
        auto& g = GroupFor(&v, idx, weak)->terms;
        g.insert(g.end(), terms.begin(), terms.end());
        return Status::Ok();
      },
      &hash));
  IISC_RETURN_IF_ERROR(ReadGroupsFile(
      dir + "/service_types.txt", true,
      [&](std::string name, std::vector<std::string> terms, const std::string& where) {
        bool weak = StripWeakMark(&name);
        int idx = taxonomy.ServiceTypeIndex(name);
        if (idx < 0) return Status::InvalidArgument(where + ": unknown service type id '" + name + "'");
        auto& g = GroupFor(&v, num_fields + idx, weak)->terms;
        g.insert(g.end(), terms.begin(), terms.end());
        return Status::Ok();
      },
      &hash));
  DemoteWeakWords(&v);
  IISC_RETURN_IF_ERROR(ReadGroupsFile(
      dir + "/synonyms.txt", true,
      [&](std::string name, std::vector<std::string> terms, const std::string&) {
        v.groups.push_back(Group{Group::Kind::kSynonyms, -1, name, std::move(terms)});
        return Status::Ok();
      },
      &hash));
  v.fingerprint = hash.Hex();
  return v;
}

}  // namespace iisc
