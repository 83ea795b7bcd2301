// Strict reading of hand-edited TOML config files into plain structs.
//
// The files are edited by people who are not programmers (the bureau's scoring
// weights) or by operators under time pressure (server limits), so a typo must
// never be silently ignored: every key a file holds has to be read by the code,
// and every problem is reported with the key's dotted path and its line.
// Problems are collected rather than stopping at the first one, so a whole
// edit can be corrected at once.
//
// Usage: parse a TomlDocument, read values from Root() and its sub-tables with
// the typed getters (an absent key leaves the caller's default untouched),
// then call Finish(), which also reports every key that no getter asked for.
//
// Not thread-safe; a document lives for the duration of one load.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "models/status.h"

namespace iisc {

class TomlDocument;

// A view of one table of the document (possibly absent: then every getter
// keeps the defaults). Cheap to copy; valid while its document lives.
class TomlSection {
 public:
  // False when the file does not contain this table.
  bool present() const { return table_ != nullptr; }
  // Dotted path of the table ("weights.category.emerging"); empty for the root.
  const std::string& path() const { return path_; }

  // Typed getters. Each marks the key as known, checks its type and range, and
  // on success overwrites *out; otherwise records an error and keeps *out.
  // Return true when the key was present and valid.
  bool Number(std::string_view key, double min, double max, double* out);
  bool Integer(std::string_view key, int64_t min, int64_t max, int64_t* out);
  bool Bool(std::string_view key, bool* out);
  bool String(std::string_view key, std::string* out);
  bool StringList(std::string_view key, std::vector<std::string>* out);

  // Integer into a narrower type; [min, max] must fit in T.
  template <typename T>
  bool IntegerAs(std::string_view key, int64_t min, int64_t max, T* out) {
    int64_t v = static_cast<int64_t>(*out);
    if (!Integer(key, min, max, &v)) return false;
    *out = static_cast<T>(v);
    return true;
  }

  // The sub-table under `key` (absent when the key is missing or is not a
  // table; the latter is recorded as an error).
  TomlSection Table(std::string_view key);

  // Names of the entries of this table, in file order, for tables whose keys
  // are data (category ids) rather than a fixed schema. Listing does not mark
  // them as known; reading them does.
  std::vector<std::string> Keys() const;

  // Marks `key` and everything under it as read, for an entry already
  // reported as wrong as a whole (one message instead of one per key inside).
  void Skip(std::string_view key);

  // Records a problem with `key` of this table (or with the table itself when
  // `key` is empty), located at the key's line when it is present.
  void Fail(std::string_view key, std::string message);

  // "weights.text" for key "text" of table "weights".
  std::string KeyPath(std::string_view key) const;

 private:
  friend class TomlDocument;
  TomlSection(TomlDocument* doc, const toml::table* table, std::string path)
      : doc_(doc), table_(table), path_(std::move(path)) {}

  // The node under `key` (nullptr when absent), marked as known.
  const toml::node* Take(std::string_view key);
  uint32_t LineOf(std::string_view key) const;
  void TypeError(std::string_view key, const toml::node& node, const std::string& expected);

  TomlDocument* doc_;
  const toml::table* table_;
  std::string path_;
};

class TomlDocument {
 public:
  // Parses `text`; a syntax error is InvalidArgument naming `source_name`,
  // the line and the column.
  static Result<std::unique_ptr<TomlDocument>> Parse(std::string_view text,
                                                     std::string_view source_name);

  TomlSection Root() { return TomlSection(this, &root_, std::string()); }

  // Records a problem at a line (0 = no particular line).
  void AddError(std::string key_path, uint32_t line, std::string message);

  // Reports keys and tables no getter read, then returns OK or one
  // InvalidArgument listing every problem in line order ("<source>: weights.text
  // at line 12: must be between 0 and 10, got 12.5; ..."). The Status field
  // names the key of the first problem.
  Status Finish();

 private:
  friend class TomlSection;
  struct Problem {
    uint32_t line;
    std::string key_path;
    std::string text;  // rendered, e.g. "unknown key weights.txt at line 4"
  };

  TomlDocument(toml::table root, std::string source_name)
      : root_(std::move(root)), source_name_(std::move(source_name)) {}
  void ReportUnread(const toml::table& table, const std::string& path);
  void AddProblem(uint32_t line, std::string key_path, std::string text);

  toml::table root_;
  std::string source_name_;
  std::unordered_set<const toml::node*> read_;
  std::unordered_set<const toml::node*> skipped_;
  std::vector<Problem> problems_;
};

// Reads a whole config file. IOError when it cannot be read, InvalidArgument
// when it is larger than `max_bytes` (a config file that large is a mistake,
// e.g. a data file named by accident).
Result<std::string> ReadConfigFile(const std::string& path, size_t max_bytes = 1 << 20);

// Shortest decimal form of a number for messages ("12.5", not "12.500000").
std::string FormatNumber(double v);

}  // namespace iisc
