// Well-formedness of JSON values that on-demand parsing would skip.
//
// simdjson's on-demand parser validates only what it reads: a member nobody
// asks for is stepped over by counting brackets, so `{"x":[1,,2]}` would pass
// as long as "x" is ignored. Parsers that ignore unknown members walk them
// with this instead, so malformed JSON is refused wherever it is.
#pragma once

#include <simdjson.h>

#include "models/status.h"

namespace iisc {

// The type of `value`. On-demand parsing tells it from the first character
// alone; here a null is also checked to be exactly the atom, so "nul&l" is an
// error rather than an absent member. Callers that take null for "absent"
// must use this instead of value.type().
simdjson::error_code TypeOf(simdjson::ondemand::value& value, simdjson::ondemand::json_type* type);

// Walks `value` completely. InvalidArgument ("malformed JSON: ...", no
// field) when any part of it is not well-formed JSON.
Status CheckWellFormed(simdjson::ondemand::value& value);

}  // namespace iisc
