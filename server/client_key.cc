#include "server/client_key.h"

#include <algorithm>

#include <boost/asio/ip/address.hpp>

namespace iisc {

namespace net = boost::asio;

std::string ClientKey(const net::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const net::ip::address address = socket.remote_endpoint(ec).address();
  if (ec) return "?";
  if (address.is_v6()) {
    const net::ip::address_v6 v6 = address.to_v6();
    if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
    net::ip::address_v6::bytes_type bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return net::ip::make_address_v6(bytes).to_string() + "/64";
  }
  return address.to_string();
}

}  // namespace iisc
