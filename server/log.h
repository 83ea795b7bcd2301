// Plain log lines on stderr: "2024-05-01T08:00:00.123Z INFO message".
// One formatted write per line, so lines from different threads never
// interleave. Never pass tokens or request bodies.
#pragma once

#include <string>

namespace iisc {

// The current UTC time as `strftime_format` gives it, then ".mmmZ"
// (milliseconds), e.g. "%Y-%m-%dT%H:%M:%S" -> "2024-05-01T08:00:00.123Z".
std::string UtcTimestamp(const char* strftime_format);

void LogInfo(const char* format, ...) __attribute__((format(printf, 1, 2)));
void LogError(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace iisc
