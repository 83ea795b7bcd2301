#include "models/catalog.h"

#include <algorithm>
#include <climits>

#include <simdjson.h>

#include "models/json_reader.h"
#include "models/json_writer.h"

namespace iisc {

namespace {

using json_reader::Path;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr std::string_view kLevels[] = {"county", "municipal"};
constexpr std::string_view kPriceLevels[] = {"free", "subsidized", "market"};

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&allowed)[N]) {
  return std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed);
}

// One parser per thread: it keeps its buffers between records, which is the
// point of reusing it (simdjson parsers are not thread-safe).
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Result<object> ParseRootObject(const simdjson::padded_string& json) {
  object root;
  const auto error = ThreadParser().parse(json).get(root);
  if (error == simdjson::INCORRECT_TYPE) return Status::InvalidArgument("record must be an object");
  if (error != simdjson::SUCCESS) return Status::InvalidArgument(json_reader::DescribeParseError(error));
  return root;
}

// Field ids: known to the taxonomy when one is given, never repeated.
Status ReadFieldIds(object o, std::string_view parent, const Taxonomy* taxonomy,
                    std::vector<std::string>* out) {
  IISC_RETURN_IF_ERROR(json_reader::ReadStringArray(o, parent, "fields", /*required=*/true, out));
  const std::string path = Path(parent, "fields");
  for (size_t i = 0; i < out->size(); ++i) {
    const std::string& id = (*out)[i];
    if (taxonomy != nullptr && taxonomy->FieldIndex(id) < 0) {
      return Status::InvalidArgument("unknown field \"" + id + "\"", Path(path, i));
    }
    if (std::find(out->begin(), out->begin() + static_cast<ptrdiff_t>(i), id) !=
        out->begin() + static_cast<ptrdiff_t>(i)) {
      return Status::InvalidArgument("duplicate field \"" + id + "\"", Path(path, i));
    }
  }
  return Status::Ok();
}

// `expected_complex_id` is empty for a standalone capability, whose complex
// comes from its own "complex_id" member or, failing that, its id's prefix.
Status ParseCapability(object o, std::string_view parent, std::string_view expected_complex_id,
                       const Taxonomy* taxonomy, Capability* out) {
  Capability c;
  IISC_RETURN_IF_ERROR(json_reader::ReadId(o, parent, "id", &c.id));
  IISC_RETURN_IF_ERROR(json_reader::ReadString(o, parent, "complex_id", false, &c.complex_id));
  if (!expected_complex_id.empty()) {
    if (!c.complex_id.empty() && c.complex_id != expected_complex_id) {
      return Status::InvalidArgument("does not match the enclosing complex",
                                     Path(parent, "complex_id"));
    }
    c.complex_id = expected_complex_id;
  } else if (c.complex_id.empty()) {
    const size_t slash = c.id.find('/');
    if (slash != std::string::npos) c.complex_id = c.id.substr(0, slash);
  }
  if (c.complex_id.empty() || c.id.size() <= c.complex_id.size() + 1 ||
      c.id.compare(0, c.complex_id.size(), c.complex_id) != 0 ||
      c.id[c.complex_id.size()] != '/') {
    return Status::InvalidArgument("service id must be \"<complex id>/<name>\"", Path(parent, "id"));
  }

  IISC_RETURN_IF_ERROR(json_reader::ReadId(o, parent, "type", &c.type));
  if (taxonomy != nullptr && taxonomy->ServiceTypeIndex(c.type) < 0) {
    return Status::InvalidArgument("unknown service type \"" + c.type + "\"", Path(parent, "type"));
  }
  IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, parent, "institution", true, &c.institution));
  IISC_RETURN_IF_ERROR(ReadFieldIds(o, parent, taxonomy, &c.fields));
  IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, parent, "description", true, &c.description));

  int64_t capacity = 0;
  IISC_RETURN_IF_ERROR(json_reader::ReadInt(o, parent, "capacity_per_month", true, &capacity));
  if (capacity < 0 || capacity > INT_MAX) {
    return Status::InvalidArgument("must be a non-negative integer",
                                   Path(parent, "capacity_per_month"));
  }
  c.capacity_per_month = static_cast<int>(capacity);

  // Optional: 0 means unrated.
  IISC_RETURN_IF_ERROR(json_reader::ReadDouble(o, parent, "rating", false, &c.rating));
  if (!(c.rating >= 0 && c.rating <= 5)) {
    return Status::InvalidArgument("must be within 0..5", Path(parent, "rating"));
  }

  IISC_RETURN_IF_ERROR(json_reader::ReadString(o, parent, "price_level", true, &c.price_level));
  if (!OneOf(c.price_level, kPriceLevels)) {
    return Status::InvalidArgument("must be \"free\", \"subsidized\" or \"market\"",
                                   Path(parent, "price_level"));
  }
  *out = std::move(c);
  return Status::Ok();
}

Status ParseComplex(object o, const Taxonomy* taxonomy, Complex* out) {
  Complex c;
  IISC_RETURN_IF_ERROR(json_reader::ReadId(o, "", "id", &c.id));
  IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, "", "name", true, &c.name));
  IISC_RETURN_IF_ERROR(json_reader::ReadId(o, "", "county", &c.county));
  if (taxonomy != nullptr && taxonomy->CountyIndex(c.county) < 0) {
    return Status::InvalidArgument("unknown county \"" + c.county + "\"", "county");
  }
  IISC_RETURN_IF_ERROR(json_reader::ReadString(o, "", "level", true, &c.level));
  if (!OneOf(c.level, kLevels)) {
    return Status::InvalidArgument("must be \"county\" or \"municipal\"", "level");
  }
  IISC_RETURN_IF_ERROR(json_reader::ReadBool(o, "", "provincial_listed", false, &c.provincial_listed));
  IISC_RETURN_IF_ERROR(ReadFieldIds(o, "", taxonomy, &c.fields));
  IISC_RETURN_IF_ERROR(json_reader::ReadLocalized(o, "", "description", false, &c.description));

  // Absent when the complex was stored without its services.
  array services;
  bool has_services = false;
  IISC_RETURN_IF_ERROR(json_reader::ReadArray(o, "", "services", false, &services, &has_services));
  if (has_services) {
    c.services.reserve(services.size());
    size_t index = 0;
    for (element item : services) {
      const std::string path = Path("services", index);
      object service;
      if (item.get(service) != simdjson::SUCCESS) {
        return Status::InvalidArgument("must be an object", path);
      }
      Capability capability;
      IISC_RETURN_IF_ERROR(ParseCapability(service, path, c.id, taxonomy, &capability));
      for (const Capability& earlier : c.services) {
        if (earlier.id == capability.id) {
          return Status::InvalidArgument("duplicate service id \"" + capability.id + "\"",
                                         Path(path, "id"));
        }
      }
      c.services.push_back(std::move(capability));
      ++index;
    }
  }
  *out = std::move(c);
  return Status::Ok();
}

void WriteLocalized(JsonWriter& w, std::string_view key, const LocalizedText& text) {
  w.Key(key).BeginObject().Key("zh").String(text.zh);
  if (!text.en.empty()) w.Key("en").String(text.en);
  w.EndObject();
}

void WriteStrings(JsonWriter& w, std::string_view key, const std::vector<std::string>& values) {
  w.Key(key).BeginArray();
  for (const std::string& value : values) w.String(value);
  w.EndArray();
}

// Inside a complex the complex id is implied, as in the catalog file.
void WriteCapability(JsonWriter& w, const Capability& c, bool with_complex_id) {
  w.BeginObject();
  w.Key("id").String(c.id);
  if (with_complex_id) w.Key("complex_id").String(c.complex_id);
  w.Key("type").String(c.type);
  WriteLocalized(w, "institution", c.institution);
  WriteStrings(w, "fields", c.fields);
  WriteLocalized(w, "description", c.description);
  w.Key("capacity_per_month").Int(c.capacity_per_month);
  w.Key("rating").Number(c.rating);
  w.Key("price_level").String(c.price_level);
  w.EndObject();
}

}  // namespace

Result<Complex> ParseComplexJson(std::string_view json, const Taxonomy* taxonomy) {
  const simdjson::padded_string padded(json);
  Result<object> root = ParseRootObject(padded);
  if (!root.ok()) return root.status();
  Complex complex;
  IISC_RETURN_IF_ERROR(ParseComplex(*root, taxonomy, &complex));
  return complex;
}

Result<Capability> ParseCapabilityJson(std::string_view json, const Taxonomy* taxonomy) {
  const simdjson::padded_string padded(json);
  Result<object> root = ParseRootObject(padded);
  if (!root.ok()) return root.status();
  Capability capability;
  IISC_RETURN_IF_ERROR(ParseCapability(*root, "", "", taxonomy, &capability));
  return capability;
}

Result<std::vector<Complex>> ParseCatalogJsonl(std::string_view jsonl, const Taxonomy* taxonomy) {
  std::vector<Complex> complexes;
  size_t line_number = 0;
  size_t pos = 0;
  while (pos < jsonl.size()) {
    ++line_number;
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    const std::string_view line = jsonl.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;

    Result<Complex> complex = ParseComplexJson(line, taxonomy);
    if (!complex.ok()) {
      return Status::InvalidArgument("line " + std::to_string(line_number) + ": " +
                                         complex.status().message(),
                                     complex.status().field());
    }
    for (const Complex& earlier : complexes) {
      if (earlier.id == complex->id) {
        return Status::InvalidArgument("line " + std::to_string(line_number) +
                                           ": duplicate complex id \"" + complex->id + "\"",
                                       "id");
      }
    }
    complexes.push_back(std::move(complex).value());
  }
  return complexes;
}

std::string ComplexToJson(const Complex& complex, bool include_services) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("id").String(complex.id);
  WriteLocalized(w, "name", complex.name);
  w.Key("county").String(complex.county);
  w.Key("level").String(complex.level);
  w.Key("provincial_listed").Bool(complex.provincial_listed);
  WriteStrings(w, "fields", complex.fields);
  if (!complex.description.empty()) WriteLocalized(w, "description", complex.description);
  if (include_services) {
    w.Key("services").BeginArray();
    for (const Capability& c : complex.services) WriteCapability(w, c, /*with_complex_id=*/false);
    w.EndArray();
  }
  w.EndObject();
  return out;
}

std::string CapabilityToJson(const Capability& capability) {
  std::string out;
  JsonWriter w(&out);
  WriteCapability(w, capability, /*with_complex_id=*/true);
  return out;
}

bool operator==(const LocalizedText& a, const LocalizedText& b) {
  return a.zh == b.zh && a.en == b.en;
}

bool operator==(const Capability& a, const Capability& b) {
  return a.id == b.id && a.complex_id == b.complex_id && a.type == b.type &&
         a.institution == b.institution && a.fields == b.fields &&
         a.description == b.description && a.capacity_per_month == b.capacity_per_month &&
         a.rating == b.rating && a.price_level == b.price_level;
}

bool operator==(const Complex& a, const Complex& b) {
  return a.id == b.id && a.name == b.name && a.county == b.county && a.level == b.level &&
         a.provincial_listed == b.provincial_listed && a.fields == b.fields &&
         a.description == b.description && a.services == b.services;
}

}  // namespace iisc
