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

// Walks `value` completely. InvalidArgument ("malformed JSON: ...", no
// field) when any part of it is not well-formed JSON.
Status CheckWellFormed(simdjson::ondemand::value& value);

}  // namespace iisc
