#include "server/log.h"

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace iisc {

namespace {

void Write(const char* level, const char* format, va_list args) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  char message[1024];
  std::vsnprintf(message, sizeof message, format, args);
  std::fprintf(stderr, "%s.%03dZ %s %s\n", stamp, static_cast<int>(millis), level, message);
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
