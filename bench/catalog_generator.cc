#include "bench/catalog_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

namespace iisc {
namespace {

// SplitMix64: small, fast, and the same sequence on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Below(v.size())]; }

 private:
  uint64_t state_;
};

// Clauses SMEs read on real service listings, appended to vary the texts.
struct Clause {
  const char* zh;
  const char* en;
};
constexpr Clause kClauses[] = {
    {"可线上预约", "online booking available"},
    {"中小企业可申请服务券抵扣", "SMEs may pay with innovation vouchers"},
    {"提供一对一上门辅导", "one-to-one on-site coaching"},
    {"支持加急办理", "express handling on request"},
    {"已服务本地企业数百家", "has served hundreds of local firms"},
    {"与省级重点实验室合作", "works with a provincial key laboratory"},
    {"首次服务免收咨询费", "first consultation free of charge"},
    {"可出具中英文报告", "reports in Chinese and English"},
    {"提供全流程跟踪服务", "follows each case from start to finish"},
    {"周末可预约", "weekend appointments possible"},
    {"面向产业集群开展公益讲座", "holds free talks for the industry cluster"},
    {"配备专职技术经理人", "staffed by dedicated technology managers"},
};

struct Suffix {
  const char* zh;
  const char* en;
};
constexpr Suffix kComplexSuffixes[] = {
    {"产业创新服务综合体", "Industry Innovation Service Complex"},
    {"产业创新服务中心", "Industry Innovation Service Center"},
    {"产业公共服务平台", "Industry Public Service Platform"},
    {"创新服务综合体分中心", "Innovation Service Sub-center"},
    {"小微企业园服务站", "Small Business Park Service Station"},
};

// Demo weights of the service types and services per complex.
constexpr int kServicesPerComplex[] = {4, 4, 4, 4, 5, 5, 5, 5, 5, 6, 6, 7};
constexpr double kMunicipalShare = 1.0 / 6.0;
constexpr int kGeneralFields = 14;  // fields listed by a general service

// Terms that tie a text to one field or one county, to be swapped for those
// of the new field or county. Longest first, so "低压电器" wins over "电器".
struct Term {
  std::string text;
  int kind;  // 0 field name, 1 field keyword, 2 county name
};

std::string CountyShort(const std::string& name, bool zh) {
  if (zh) {
    // "乐清市" -> "乐清": drop the one-character administrative suffix.
    for (std::string_view suffix : {"区", "县", "市"}) {
      if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return name.substr(0, name.size() - suffix.size());
      }
    }
    return name;
  }
  return name.substr(0, name.find(' '));  // "Yueqing City" -> "Yueqing"
}

std::string Capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// ASCII case-insensitive match of lower-case `term` at `pos`, on word bounds
// ("ring" is not found inside "spring").
bool StartsWithIgnoringCase(const std::string& text, size_t pos, const std::string& term) {
  if (term.empty() || text.size() - pos < term.size()) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (pos > 0 && alnum(text[pos - 1])) return false;
  if (pos + term.size() < text.size() && alnum(text[pos + term.size()])) return false;
  for (size_t i = 0; i < term.size(); ++i) {
    char c = text[pos + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != term[i]) return false;
  }
  return true;
}

size_t Utf8Len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

class Generator {
 public:
  Generator(const Taxonomy& taxonomy, const std::vector<Complex>& demo, uint64_t seed)
      : tax_(taxonomy), demo_(demo), rng_(seed) {
    const size_t fields = tax_.fields().size();
    for (size_t f = 0; f < fields; ++f) {
      const FieldInfo& info = tax_.fields()[f];
      by_category_.resize(std::max<size_t>(by_category_.size(), info.category + 1));
      by_category_[info.category].push_back(static_cast<int>(f));
    }
    templates_.resize(tax_.service_types().size());
    general_templates_.resize(tax_.service_types().size());
    for (const Complex& c : demo_) {
      for (const Capability& s : c.services) {
        int t = tax_.ServiceTypeIndex(s.type);
        if (t < 0) continue;
        const bool general = s.fields.size() >= 6;
        (general ? general_templates_ : templates_)[t].push_back({&s, &c});
        type_weights_.push_back(t);
      }
    }
    for (size_t t = 0; t < templates_.size(); ++t) {
      if (templates_[t].empty()) templates_[t] = general_templates_[t];
      if (general_templates_[t].empty()) general_templates_[t] = templates_[t];
    }
  }

  Complex NextComplex(size_t seq, size_t max_services) {
    Complex c;
    const int county = static_cast<int>(rng_.Below(tax_.counties().size()));
    const int field = static_cast<int>(rng_.Below(tax_.fields().size()));
    const bool municipal = rng_.Chance(kMunicipalShare);
    const CountyInfo& ci = tax_.counties()[county];
    const FieldInfo& fi = tax_.fields()[field];
    const Suffix& suffix = kComplexSuffixes[rng_.Below(std::size(kComplexSuffixes))];

    char id[160];
    std::snprintf(id, sizeof(id), "syn-%s-%s-%zu", ci.id.c_str(), fi.id.c_str(), seq);
    c.id = id;
    c.county = ci.id;
    c.level = municipal ? "municipal" : "county";
    c.provincial_listed = rng_.Chance(0.3);
    c.name.zh = CountyShort(ci.name.zh, true) + fi.name.zh + suffix.zh;
    c.name.en = CountyShort(ci.name.en, false) + " " + fi.name.en + " " + suffix.en;

    // Main field, then up to two related ones (same category mostly);
    // municipal complexes span categories.
    c.fields.push_back(fi.id);
    const int extra = municipal ? 3 : static_cast<int>(rng_.Below(3));
    for (int i = 0; i < extra; ++i) {
      int f = municipal || rng_.Chance(0.3) ? static_cast<int>(rng_.Below(tax_.fields().size()))
                                            : rng_.Pick(by_category_[fi.category]);
      const std::string& fid = tax_.fields()[f].id;
      if (std::find(c.fields.begin(), c.fields.end(), fid) == c.fields.end()) c.fields.push_back(fid);
    }

    // The complex's own description: a demo complex's, rewritten.
    const Complex& dc = rng_.Pick(demo_);
    c.description.zh = Rewrite(dc.description.zh, dc, dc.fields, county, field, true);
    c.description.en = Rewrite(dc.description.en, dc, dc.fields, county, field, false);

    const size_t services =
        std::min<size_t>(max_services, kServicesPerComplex[rng_.Below(std::size(kServicesPerComplex))]);
    std::vector<int> counters(tax_.service_types().size(), 0);
    for (size_t i = 0; i < services; ++i) {
      const int type = type_weights_[rng_.Below(type_weights_.size())];
      const auto& pool = municipal && rng_.Chance(0.6) ? general_templates_[type] : templates_[type];
      if (pool.empty()) continue;
      const auto& [tpl, tpl_complex] = rng_.Pick(pool);
      c.services.push_back(MakeService(c, *tpl, *tpl_complex, type, ++counters[type], county, field));
    }
    return c;
  }

 private:
  struct Template {
    const Capability* service;
    const Complex* complex;
  };

  Capability MakeService(const Complex& c, const Capability& tpl, const Complex& tpl_complex,
                         int type, int number, int county, int field) {
    Capability s;
    const std::string& type_id = tax_.service_types()[type].id;
    s.id = c.id + "/" + type_id + "-" + std::to_string(number);
    s.complex_id = c.id;
    s.type = type_id;
    const bool general = tpl.fields.size() >= 6;
    if (general) {
      // A general service keeps its breadth: many fields, text about no one field.
      std::vector<int> all(tax_.fields().size());
      for (size_t f = 0; f < all.size(); ++f) all[f] = static_cast<int>(f);
      for (int i = 0; i < kGeneralFields && i < static_cast<int>(all.size()); ++i) {
        std::swap(all[i], all[i + rng_.Below(all.size() - i)]);
        s.fields.push_back(tax_.fields()[all[i]].id);
      }
      std::sort(s.fields.begin(), s.fields.end());
    } else {
      s.fields.push_back(tax_.fields()[field].id);
      if (c.fields.size() > 1 && rng_.Chance(0.7)) s.fields.push_back(c.fields[1 + rng_.Below(c.fields.size() - 1)]);
    }
    const std::vector<std::string> no_fields;
    const std::vector<std::string>& swap_fields = general ? no_fields : tpl.fields;
    s.institution.zh = Rewrite(tpl.institution.zh, tpl_complex, swap_fields, county, field, true);
    s.institution.en = Rewrite(tpl.institution.en, tpl_complex, swap_fields, county, field, false);
    s.description.zh = Rewrite(tpl.description.zh, tpl_complex, swap_fields, county, field, true);
    s.description.en = Rewrite(tpl.description.en, tpl_complex, swap_fields, county, field, false);
    if (rng_.Chance(0.5)) {
      const Clause& clause = kClauses[rng_.Below(std::size(kClauses))];
      AppendClause(&s.description.zh, clause.zh, true);
      if (!s.description.en.empty()) AppendClause(&s.description.en, clause.en, false);
    }
    s.capacity_per_month = std::max(1, static_cast<int>(std::lround(tpl.capacity_per_month * (0.5 + 1.5 * rng_.Unit()))));
    if (tpl.rating > 0 && !rng_.Chance(0.05)) {
      double r = tpl.rating + (static_cast<double>(rng_.Below(7)) - 3.0) / 10.0;
      s.rating = std::round(std::clamp(r, 3.0, 5.0) * 10.0) / 10.0;
    }
    static const char* kPrices[] = {"free", "subsidized", "subsidized", "market", "market"};
    s.price_level = rng_.Chance(0.8) ? tpl.price_level : kPrices[rng_.Below(std::size(kPrices))];
    return s;
  }

  static void AppendClause(std::string* text, const char* clause, bool zh) {
    if (zh) {
      // "...报告。" -> "...报告，可线上预约。"
      static const std::string kStop = "。";
      if (text->size() >= kStop.size() && text->compare(text->size() - kStop.size(), kStop.size(), kStop) == 0) {
        text->resize(text->size() - kStop.size());
      }
      *text += "，";
      *text += clause;
      *text += "。";
    } else {
      while (!text->empty() && (text->back() == '.' || text->back() == ' ')) text->pop_back();
      *text += "; ";
      *text += clause;
      *text += ".";
    }
  }

  // Swaps the template's field terms and county name for the new ones in one
  // left-to-right pass (a replacement is never rewritten again).
  std::string Rewrite(const std::string& text, const Complex& tpl_complex,
                      const std::vector<std::string>& tpl_fields, int county, int field, bool zh) {
    if (text.empty()) return text;
    std::vector<Term> terms;
    for (const std::string& fid : tpl_fields) {
      int f = tax_.FieldIndex(fid);
      if (f < 0 || f == field) continue;
      const FieldInfo& info = tax_.fields()[f];
      terms.push_back({zh ? info.name.zh : Lower(info.name.en), 0});
      for (const std::string& k : zh ? info.keywords.zh : info.keywords.en) {
        terms.push_back({zh ? k : Lower(k), 1});
        // "medical devices" also finds "Medical Device".
        if (!zh && k.size() > 3 && k.back() == 's') terms.push_back({Lower(k.substr(0, k.size() - 1)), 1});
      }
    }
    const int tpl_county = tax_.CountyIndex(tpl_complex.county);
    if (tpl_county >= 0 && tpl_county != county) {
      const LocalizedText& n = tax_.counties()[tpl_county].name;
      terms.push_back({zh ? CountyShort(n.zh, true) : Lower(CountyShort(n.en, false)), 2});
    }
    std::erase_if(terms, [](const Term& t) { return t.text.empty(); });
    std::sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) {
      return a.text.size() != b.text.size() ? a.text.size() > b.text.size() : a.text < b.text;
    });
    if (terms.empty()) return text;

    const FieldInfo& nf = tax_.fields()[field];
    const std::vector<std::string>& keywords = zh ? nf.keywords.zh : nf.keywords.en;
    std::string out;
    out.reserve(text.size() + 16);
    for (size_t pos = 0; pos < text.size();) {
      const Term* hit = nullptr;
      for (const Term& t : terms) {
        if (zh ? text.compare(pos, t.text.size(), t.text) == 0 : StartsWithIgnoringCase(text, pos, t.text)) {
          hit = &t;
          break;
        }
      }
      if (hit == nullptr) {
        const size_t len = std::min(Utf8Len(static_cast<unsigned char>(text[pos])), text.size() - pos);
        out.append(text, pos, len);
        pos += len;
        continue;
      }
      const bool upper = !zh && text[pos] >= 'A' && text[pos] <= 'Z';
      if (hit->kind == 2) {
        out += CountyShort(zh ? tax_.counties()[county].name.zh : tax_.counties()[county].name.en, zh);
      } else if (hit->kind == 0 || keywords.empty()) {
        out += zh ? nf.name.zh : (upper ? Capitalized(nf.name.en) : Lower(nf.name.en));
      } else {
        out += upper ? Capitalized(rng_.Pick(keywords)) : rng_.Pick(keywords);
      }
      pos += hit->text.size();
    }
    return out;
  }

  const Taxonomy& tax_;
  const std::vector<Complex>& demo_;
  Rng rng_;
  std::vector<std::vector<int>> by_category_;
  std::vector<std::vector<Template>> templates_;          // specialist services, by type
  std::vector<std::vector<Template>> general_templates_;  // general services, by type
  std::vector<int> type_weights_;                         // one entry per demo service
};

}  // namespace

Status GenerateCatalog(const Taxonomy& taxonomy, const std::vector<Complex>& demo,
                       const CatalogGeneratorOptions& options,
                       const std::function<Status(Complex&&)>& emit) {
  size_t emitted = 0;
  for (const Complex& c : demo) {
    if (emitted >= options.capabilities) return Status::Ok();
    Complex copy = c;
    if (copy.services.size() > options.capabilities - emitted) {
      copy.services.resize(options.capabilities - emitted);
    }
    emitted += copy.services.size();
    IISC_RETURN_IF_ERROR(emit(std::move(copy)));
  }
  if (emitted >= options.capabilities) return Status::Ok();
  if (demo.empty()) return Status::InvalidArgument("the generator needs the demo catalog as templates");
  Generator gen(taxonomy, demo, options.seed);
  for (size_t seq = 1; emitted < options.capabilities; ++seq) {
    Complex c = gen.NextComplex(seq, options.capabilities - emitted);
    if (c.services.empty()) continue;
    emitted += c.services.size();
    IISC_RETURN_IF_ERROR(emit(std::move(c)));
  }
  return Status::Ok();
}

Result<std::vector<Complex>> GenerateCatalogVector(const Taxonomy& taxonomy,
                                                   const std::vector<Complex>& demo,
                                                   const CatalogGeneratorOptions& options) {
  std::vector<Complex> out;
  IISC_RETURN_IF_ERROR(GenerateCatalog(taxonomy, demo, options, [&](Complex&& c) {
    out.push_back(std::move(c));
    return Status::Ok();
  }));
  return out;
}

}  // namespace iisc
