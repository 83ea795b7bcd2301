// Credentials carried in requests: "Authorization: Bearer <token>". Tokens
// are compared with ConstantTimeEquals (engine/secrets.h).
#pragma once

#include <optional>
#include <string_view>

namespace iisc {

// The token of a well-formed Bearer header; nullopt when absent or malformed.
std::optional<std::string_view> BearerToken(std::string_view authorization);

}  // namespace iisc
