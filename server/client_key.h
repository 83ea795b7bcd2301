// Who a client is, for the limits that count per client: its address, or
// for IPv6 its /64 network (one host is commonly given a whole /64, so a
// per-address count would let it take 2^64 shares).
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace iisc {

// The remote address of `socket` as such a key; "?" when it has none (the
// peer already went away), which then counts as one client.
std::string ClientKey(const boost::asio::ip::tcp::socket& socket);

}  // namespace iisc
