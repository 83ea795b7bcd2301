// Credentials carried in requests: "Authorization: Bearer <token>".
#pragma once

#include <optional>
#include <string_view>

namespace iisc {

// The token of a well-formed Bearer header; nullopt when absent or malformed.
std::optional<std::string_view> BearerToken(std::string_view authorization);

// Compares secrets in time that depends on their lengths only, so that a
// client cannot learn a token's prefix by timing the answers.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace iisc
