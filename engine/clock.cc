#include "engine/clock.h"

#include <chrono>

namespace iisc {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm), and back.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = FloorDiv(year, 400);
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + doe - 719'468;
}

}  // namespace

int64_t SystemUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

MonthKey MonthOfUnixMs(int64_t unix_ms) {
  const int64_t z = FloorDiv(unix_ms, 86'400'000) + 719'468;
  const int64_t era = FloorDiv(z, 146'097);
  const int64_t doe = z - era * 146'097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;  // 1..12
  const int64_t year = yoe + era * 400 + (month <= 2);
  return static_cast<MonthKey>(year * 12 + (month - 1));
}

int64_t NextMonthStartMs(int64_t unix_ms) {
  const MonthKey next = MonthOfUnixMs(unix_ms) + 1;
  return DaysFromCivil(next / 12, next % 12 + 1, 1) * 86'400'000;
}

}  // namespace iisc
