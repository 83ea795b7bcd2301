// Shared by the fuzz targets: the repository's reference data, loaded once,
// and checks that abort with a message so libFuzzer keeps the input that
// broke a property (a silent wrong answer is as much a bug as a crash).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "models/status.h"
#include "models/taxonomy.h"

#define FUZZ_CHECK(cond, detail)                                                    \
  do {                                                                              \
    if (!(cond)) ::iisc::fuzz::Fail(#cond, __FILE__, __LINE__, (detail));           \
  } while (0)

namespace iisc::fuzz {

[[noreturn]] inline void Fail(const char* what, const char* file, int line,
                              std::string_view detail) {
  std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %.*s\n", file, line, what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline std::string SourcePath(const char* relative) {
  return std::string(IISC_SOURCE_DIR) + "/" + relative;
}

// data/taxonomy.json, as the server loads it.
inline const Taxonomy& SharedTaxonomy() {
  static const Taxonomy* taxonomy = [] {
    auto loaded = Taxonomy::FromFile(SourcePath("data/taxonomy.json"));
    if (!loaded.ok()) Fail("taxonomy loads", __FILE__, __LINE__, loaded.status().ToString());
    return new Taxonomy(std::move(loaded).value());
  }();
  return *taxonomy;
}

// A refusal of bad input: InvalidArgument (HTTP 400) with a message, never an
// internal error.
inline void CheckRefusal(const Status& status) {
  FUZZ_CHECK(status.code() == StatusCode::kInvalidArgument, status.ToString());
  FUZZ_CHECK(!status.message().empty(), status.ToString());
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace iisc::fuzz
