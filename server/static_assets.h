// The web pages and the OpenAPI description, compiled into the executable (see embed_assets.cmake)
// so the server needs no files at run time.
#pragma once

#include <span>
#include <string_view>

namespace iisc {

struct StaticAsset {
  std::string_view name;          // "index.html", "app.js", "openapi.json", ...
  std::string_view content_type;  // with charset for text
  std::string_view data;
};

std::span<const StaticAsset> StaticAssets();

}  // namespace iisc
