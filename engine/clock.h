// Wall-clock time and the calendar month (UTC) the engine counts capacity,
// trends and demand by: one definition for the recommender, the workflow,
// the governance log and the supply-demand map.
#pragma once

#include <cstdint>

namespace iisc {

// Milliseconds since the Unix epoch, by the system clock.
int64_t SystemUnixMs();

// A calendar month as year * 12 + (month - 1).
using MonthKey = int;
// The UTC month of a Unix time in milliseconds (any sign).
MonthKey MonthOfUnixMs(int64_t unix_ms);
// The first millisecond (UTC) of the month after the one of `unix_ms`.
int64_t NextMonthStartMs(int64_t unix_ms);

}  // namespace iisc
