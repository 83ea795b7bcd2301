#include "server/auth.h"

#include <cctype>
#include <set>

#include "engine/secrets.h"

namespace iisc {

std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || authorization[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view token = authorization.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

bool IsBureauTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f) return false;
  }
  return true;
}

Result<std::vector<BureauToken>> ParseBureauTokens(std::string_view text) {
  std::vector<BureauToken> out;
  std::set<std::string> names, tokens;
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_no;
    while (!line.empty() && blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && blank(line.back())) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    size_t gap = 0;
    while (gap < line.size() && !blank(line[gap])) ++gap;
    size_t start = gap;
    while (start < line.size() && blank(line[start])) ++start;
    const std::string_view name = line.substr(0, gap), token = line.substr(start);
    if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) {
      return Status::InvalidArgument(where + "expected \"<name> <token>\"");
    }
    if (!IsBureauTokenName(name)) {
      return Status::InvalidArgument(where + "a name is 1 to 64 bytes without spaces or control characters");
    }
    if (token.size() < kMinBureauTokenChars) {
      return Status::InvalidArgument(where + "the token of " + std::string(name) + " is too short: use " +
                                     std::to_string(kMinBureauTokenChars) +
                                     " characters or more (e.g. openssl rand -hex 32)");
    }
    if (!names.insert(std::string(name)).second) {
      return Status::InvalidArgument(where + "the name " + std::string(name) + " is given twice");
    }
    if (!tokens.insert(std::string(token)).second) {
      return Status::InvalidArgument(where + "the token of " + std::string(name) + " is another name's too");
    }
    out.push_back({std::string(name), std::string(token)});
  }
  return out;
}

const BureauToken* FindBureauToken(const std::vector<BureauToken>& tokens, std::string_view token) {
  const BureauToken* found = nullptr;
  for (const BureauToken& t : tokens) {
    if (ConstantTimeEquals(token, t.token) && found == nullptr) found = &t;
  }
  return found;
}

}  // namespace iisc
