#include "engine/toml_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

namespace iisc {
namespace {

// Beyond this many problems the file is probably not a config file at all;
// the message stays readable and bounded (it may be shown in an API error).
constexpr size_t kMaxReportedProblems = 20;

bool IsBareKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// A key as it would be written in the file, so the path in a message can be
// searched for: bare keys as-is, anything else quoted.
std::string QuoteKey(std::string_view key) {
  if (IsBareKey(key)) return std::string(key);
  std::string out = "\"";
  for (char c : key) {
    if (c == '"' || c == '\\') out += '\\';
    // Control characters would garble a one-line message.
    out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  }
  out += '"';
  return out;
}

std::string JoinPath(const std::string& parent, std::string_view key) {
  std::string quoted = QuoteKey(key);
  return parent.empty() ? quoted : parent + "." + quoted;
}

// What the person wrote, in words rather than TOML type names.
std::string Describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: {
      std::string_view s = node.as_string()->get();
      if (s.size() > 40) return "text \"" + std::string(s.substr(0, 40)) + "...\"";
      return "text \"" + std::string(s) + "\"";
    }
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return FormatNumber(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array:
      return "a list";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

uint32_t LineOfNode(const toml::node& node) { return node.source().begin.line; }

}  // namespace

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "?";
  return std::string(buf, end);
}

Result<std::string> ReadConfigFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  std::string content;
  char buf[8192];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    content.append(buf, static_cast<size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      return Status::InvalidArgument(path + ": larger than " + std::to_string(max_bytes) +
                                     " bytes; is this the right file?");
    }
  }
  if (in.bad()) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  return content;
}

// ---------------------------------------------------------------- TomlSection

std::string TomlSection::KeyPath(std::string_view key) const { return JoinPath(path_, key); }

const toml::node* TomlSection::Take(std::string_view key) {
  if (table_ == nullptr) return nullptr;
  const toml::node* node = table_->get(key);
  if (node != nullptr) doc_->read_.insert(node);
  return node;
}

void TomlSection::Skip(std::string_view key) {
  if (const toml::node* node = Take(key)) doc_->skipped_.insert(node);
}

uint32_t TomlSection::LineOf(std::string_view key) const {
  if (table_ == nullptr) return 0;
  if (key.empty()) return LineOfNode(*table_);
  auto it = table_->find(key);
  if (it == table_->end()) return LineOfNode(*table_);
  // The key's own position is the reliable one: a table created implicitly by
  // a dotted header has no position of its own.
  uint32_t line = it->first.source().begin.line;
  return line != 0 ? line : LineOfNode(it->second);
}

void TomlSection::Fail(std::string_view key, std::string message) {
  doc_->AddError(key.empty() ? path_ : KeyPath(key), LineOf(key), std::move(message));
}

void TomlSection::TypeError(std::string_view key, const toml::node& node,
                            const std::string& expected) {
  Fail(key, "must be " + expected + ", got " + Describe(node));
}

bool TomlSection::Number(std::string_view key, double min, double max, double* out) {
  const toml::node* node = Take(key);
  if (node == nullptr) return false;
  double v;
  if (const auto* i = node->as_integer()) {
    v = static_cast<double>(i->get());
  } else if (const auto* f = node->as_floating_point()) {
    v = f->get();
  } else {
    TypeError(key, *node, "a number");
    return false;
  }
  // Written so that NaN fails too.
  if (!(v >= min && v <= max)) {
    Fail(key, "must be between " + FormatNumber(min) + " and " + FormatNumber(max) + ", got " +
                  FormatNumber(v));
    return false;
  }
  *out = v;
  return true;
}

bool TomlSection::Integer(std::string_view key, int64_t min, int64_t max, int64_t* out) {
  const toml::node* node = Take(key);
  if (node == nullptr) return false;
  int64_t v;
  if (const auto* i = node->as_integer()) {
    v = i->get();
  } else if (const auto* f = node->as_floating_point()) {
    // "3.0" is what a person means by 3; "3.5" is a mistake worth naming.
    double d = f->get();
    // 2^63 as a double; the range check below narrows further.
    constexpr double kLimit = 9223372036854775808.0;
    if (!(std::isfinite(d) && d == std::floor(d) && d > -kLimit && d < kLimit)) {
      TypeError(key, *node, "a whole number");
      return false;
    }
    v = static_cast<int64_t>(d);
  } else {
    TypeError(key, *node, "a whole number");
    return false;
  }
  if (v < min || v > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                  std::to_string(v));
    return false;
  }
  *out = v;
  return true;
}

bool TomlSection::Bool(std::string_view key, bool* out) {
  const toml::node* node = Take(key);
  if (node == nullptr) return false;
  const auto* b = node->as_boolean();
  if (b == nullptr) {
    TypeError(key, *node, "true or false");
    return false;
  }
  *out = b->get();
  return true;
}

bool TomlSection::String(std::string_view key, std::string* out) {
  const toml::node* node = Take(key);
  if (node == nullptr) return false;
  const auto* s = node->as_string();
  if (s == nullptr) {
    TypeError(key, *node, "text in double quotes");
    return false;
  }
  *out = s->get();
  return true;
}

bool TomlSection::StringList(std::string_view key, std::vector<std::string>* out) {
  const toml::node* node = Take(key);
  if (node == nullptr) return false;
  const auto* array = node->as_array();
  if (array == nullptr) {
    TypeError(key, *node, "a list of texts in double quotes, like [\"a\", \"b\"]");
    return false;
  }
  std::vector<std::string> values;
  values.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    const auto* s = item.as_string();
    if (s == nullptr) {
      doc_->AddError(KeyPath(key) + "[" + std::to_string(i) + "]", LineOfNode(item),
                     "must be text in double quotes, got " + Describe(item));
      return false;
    }
    values.push_back(s->get());
  }
  *out = std::move(values);
  return true;
}

TomlSection TomlSection::Table(std::string_view key) {
  const toml::node* node = Take(key);
  if (node != nullptr) {
    if (const auto* t = node->as_table()) return TomlSection(doc_, t, KeyPath(key));
    TypeError(key, *node, "a table (a [" + KeyPath(key) + "] section)");
  }
  return TomlSection(doc_, nullptr, KeyPath(key));
}

std::vector<std::string> TomlSection::Keys() const {
  std::vector<std::string> keys;
  if (table_ == nullptr) return keys;
  for (const auto& [k, v] : *table_) keys.emplace_back(k.str());
  // toml::table is ordered by key; file order reads more naturally in messages.
  std::stable_sort(keys.begin(), keys.end(), [this](const std::string& a, const std::string& b) {
    return LineOf(a) < LineOf(b);
  });
  return keys;
}

// --------------------------------------------------------------- TomlDocument

Result<std::unique_ptr<TomlDocument>> TomlDocument::Parse(std::string_view text,
                                                          std::string_view source_name) {
  // The installed toml++ is built with exceptions, so its parse errors arrive
  // as exceptions; they are turned into a Status here and go no further.
  try {
    toml::table root = toml::parse(text, source_name);
    return std::unique_ptr<TomlDocument>(
        new TomlDocument(std::move(root), std::string(source_name)));
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    std::ostringstream msg;
    msg << source_name << ": syntax error at line " << pos.line << ", column " << pos.column << ": "
        << e.description();
    return Status::InvalidArgument(msg.str());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(source_name) + ": cannot be read: " + e.what());
  }
}

void TomlDocument::AddProblem(uint32_t line, std::string key_path, std::string text) {
  problems_.push_back(Problem{line, std::move(key_path), std::move(text)});
}

void TomlDocument::AddError(std::string key_path, uint32_t line, std::string message) {
  std::string text = key_path.empty() ? std::string() : key_path;
  if (line != 0) text += (text.empty() ? "line " : " at line ") + std::to_string(line);
  text += text.empty() ? message : ": " + message;
  AddProblem(line, std::move(key_path), std::move(text));
}

void TomlDocument::ReportUnread(const toml::table& table, const std::string& path) {
  for (const auto& [k, v] : table) {
    std::string key_path = JoinPath(path, k.str());
    if (read_.count(&v) == 0) {
      uint32_t line = k.source().begin.line != 0 ? k.source().begin.line : LineOfNode(v);
      std::string what = v.is_table() ? "unknown table " : "unknown key ";
      std::string text = what + key_path;
      if (line != 0) text += " at line " + std::to_string(line);
      AddProblem(line, std::move(key_path), std::move(text));
    } else if (const auto* sub = v.as_table(); sub != nullptr && skipped_.count(&v) == 0) {
      ReportUnread(*sub, key_path);
    }
  }
}

Status TomlDocument::Finish() {
  ReportUnread(root_, std::string());
  if (problems_.empty()) return Status::Ok();
  std::stable_sort(problems_.begin(), problems_.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string message = source_name_ + ": ";
  size_t shown = std::min(problems_.size(), kMaxReportedProblems);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) message += "; ";
    message += problems_[i].text;
  }
  if (problems_.size() > shown) {
    message += "; and " + std::to_string(problems_.size() - shown) + " more problems";
  }
  return Status::InvalidArgument(std::move(message), problems_.front().key_path);
}

}  // namespace iisc
