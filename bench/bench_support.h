// What the benchmark programs share: giving up with a message, reading their
// input files, and the percentiles of their latency samples.
#pragma once

#include <string>
#include <vector>

namespace iisc {

// Prints "<program>: <what>" to stderr and exits 1: a benchmark whose setup
// failed has nothing to measure.
[[noreturn]] void Die(const std::string& what);

// The whole file at `path`; dies when it cannot be read.
std::string ReadFile(const std::string& path);

// The p-quantile (0..1) of `samples`, nearest rank from below; 0 when empty.
double Percentile(std::vector<double> samples, double p);

}  // namespace iisc
