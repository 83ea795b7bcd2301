#include <fstream>
#include <functional>
#include <sstream>

#include "models/hash.h"
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
                      const std::function<Status(const std::string& name, std::vector<std::string> terms,
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
    IISC_RETURN_IF_ERROR(add(name, std::move(terms), where));
  }
  return Status::Ok();
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
      [&](const std::string& name, std::vector<std::string> terms, const std::string& where) {
        int idx = taxonomy.FieldIndex(name);
        if (idx < 0) return Status::InvalidArgument(where + ": unknown field id '" + name + "'");
        auto& g = v.groups[idx].terms;
        g.insert(g.end(), terms.begin(), terms.end());
        return Status::Ok();
      },
      &hash));
  IISC_RETURN_IF_ERROR(ReadGroupsFile(
      dir + "/service_types.txt", true,
      [&](const std::string& name, std::vector<std::string> terms, const std::string& where) {
        int idx = taxonomy.ServiceTypeIndex(name);
        if (idx < 0) return Status::InvalidArgument(where + ": unknown service type id '" + name + "'");
        auto& g = v.groups[num_fields + idx].terms;
        g.insert(g.end(), terms.begin(), terms.end());
        return Status::Ok();
      },
      &hash));
  IISC_RETURN_IF_ERROR(ReadGroupsFile(
      dir + "/synonyms.txt", true,
      [&](const std::string& name, std::vector<std::string> terms, const std::string&) {
        v.groups.push_back(Group{Group::Kind::kSynonyms, -1, name, std::move(terms)});
        return Status::Ok();
      },
      &hash));
  v.fingerprint = hash.Hex();
  return v;
}

}  // namespace iisc
