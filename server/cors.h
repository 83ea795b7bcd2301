// Cross-origin access for the portal: only origins on the configured
// allow-list get CORS headers; for the others the browser's same-origin rule
// stands. Every answer carries "Vary: Origin" so caches keep them apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"

namespace iisc {

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(std::vector<std::string> allowed_origins)
      : allowed_(std::move(allowed_origins)) {}

  // Exact, case-sensitive match, as browsers send the Origin header.
  bool Allows(std::string_view origin) const;

  // Adds the headers of an actual (non-preflight) answer to `origin`'s request.
  void Decorate(std::string_view origin, HttpResponse& response) const;

  // The answer to a preflight (OPTIONS with Origin and
  // Access-Control-Request-Method) for a path that accepts `allowed_methods`
  // ("GET, PUT"): 204 with the grants for an allowed origin, 403 in the
  // error shape without any grant otherwise.
  HttpResponse Preflight(std::string_view origin, std::string_view allowed_methods) const;

 private:
  std::vector<std::string> allowed_;
};

}  // namespace iisc
