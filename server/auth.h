// Credentials carried in requests: "Authorization: Bearer <token>". Tokens
// are compared with ConstantTimeEquals (engine/secrets.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/status.h"

namespace iisc {

// The token of a well-formed Bearer header; nullopt when absent or malformed.
std::optional<std::string_view> BearerToken(std::string_view authorization);

// A bureau token and whom it belongs to (the audit log's and the config
// history's actor).
struct BureauToken {
  std::string name;
  std::string token;
};

constexpr size_t kMinBureauTokenChars = 16;

// A name of the tokens file: 1 to 64 bytes, no spaces or control characters.
bool IsBureauTokenName(std::string_view name);

// The bureau tokens file: one "<name> <token>" per line, separated by spaces
// or tabs; blank lines and lines starting with '#' are skipped. Refused, with
// the line number (never the token): a malformed line, a bad name, a token
// under 16 characters, a name or a token given twice.
Result<std::vector<BureauToken>> ParseBureauTokens(std::string_view text);

// The entry whose token is `token`, or null. Every entry is compared, in
// constant time each, so the time says nothing of which one matched.
const BureauToken* FindBureauToken(const std::vector<BureauToken>& tokens, std::string_view token);

}  // namespace iisc
