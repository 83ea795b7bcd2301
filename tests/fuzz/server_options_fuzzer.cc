// configs/server.toml and the --listen flag: refused with an InvalidArgument
// naming the key, or options within their documented ranges.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "server/server_options.h"

namespace iisc::fuzz {
namespace {

void CheckOptions(const ServerOptions& o) {
  FUZZ_CHECK(!o.listen_host.empty() && !o.data_dir.empty(), o.listen_host);
  FUZZ_CHECK(o.io_threads >= 0 && o.io_threads <= 256, "io_threads");
  FUZZ_CHECK(o.max_body_bytes >= 1024, "max_body_bytes");
  FUZZ_CHECK(o.max_url_bytes <= o.max_header_bytes, "max_url_bytes");
  FUZZ_CHECK(o.max_json_depth >= 4 && o.max_k >= 1 && o.max_k <= 100, "limits");
  FUZZ_CHECK(o.read_timeout_ms >= 100 && o.idle_timeout_ms >= 100, "timeouts");
  FUZZ_CHECK(o.max_connections >= 1 && o.max_inflight_requests >= 1, "connections");
  // 0 turns the rate limit off; any other rate is at least 0.01 a second.
  FUZZ_CHECK((o.rate_limit_per_second == 0 || o.rate_limit_per_second >= 0.01) &&
                 o.rate_limit_per_second <= 1e6 && o.rate_limit_burst >= 1,
             "rate limit");
  FUZZ_CHECK(!o.config_dir.empty(), "config_dir");
}

// A host and port written back the way the flag takes them parse to the same.
void CheckListen(std::string_view text) {
  Result<ListenAddress> address = ParseListenAddress(text);
  if (!address.ok()) return CheckRefusal(address.status());
  FUZZ_CHECK(!address->host.empty(), text);
  const bool v6 = address->host.find(':') != std::string::npos;
  const std::string written = (v6 ? "[" + address->host + "]" : address->host) + ":" +
                              std::to_string(address->port);
  Result<ListenAddress> again = ParseListenAddress(written);
  FUZZ_CHECK(again.ok() && again->host == address->host && again->port == address->port, written);
}

}  // namespace
}  // namespace iisc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace iisc;
  const std::string_view input = fuzz::AsText(data, size);
  auto options = ParseServerOptions(input, "/etc/iisc/server.toml");
  if (options.ok()) {
    fuzz::CheckOptions(*options);
  } else {
    fuzz::CheckRefusal(options.status());
  }
  fuzz::CheckListen(input.substr(0, input.find('\n')));
  return 0;
}
