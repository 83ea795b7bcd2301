#include "server/log.h"

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace iisc {

std::string UtcTimestamp(const char* strftime_format) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  if (std::strftime(text, sizeof text, strftime_format, &utc) == 0) text[0] = '\0';
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(millis));
  return out;
}

namespace {

void Write(const char* level, const char* format, va_list args) {
  const std::string stamp = UtcTimestamp("%Y-%m-%dT%H:%M:%S");
  char message[1024];
  std::vsnprintf(message, sizeof message, format, args);
  std::fprintf(stderr, "%s %s %s\n", stamp.c_str(), level, message);
}

}  // namespace

void LogInfo(const char* format, ...) {
  va_list args;
  va_start(args, format);
  Write("INFO", format, args);
  va_end(args);
}

void LogError(const char* format, ...) {
  va_list args;
  va_start(args, format);
  Write("ERROR", format, args);
  va_end(args);
}

}  // namespace iisc
