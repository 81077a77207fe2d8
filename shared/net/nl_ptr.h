#pragma once
// Owning pointers for libnl objects: every object a libnl call hands us is released by its own free function,
// also when an exception unwinds past it.
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <memory>

namespace nexus::net {

/// Deleter calling a C free function; null is ignored.
template <auto FreeFn>
struct CFree {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p != nullptr) FreeFn(p);
  }
};

using NlSockPtr = std::unique_ptr<nl_sock, CFree<nl_socket_free>>;
using NlMsgPtr = std::unique_ptr<nl_msg, CFree<nlmsg_free>>;
using NlAddrPtr = std::unique_ptr<nl_addr, CFree<nl_addr_put>>;
/// rtnl_link_get_kernel() and rtnl_link_veth_get_peer() hand back a reference of their own: wrap it.
using LinkPtr = std::unique_ptr<rtnl_link, CFree<rtnl_link_put>>;
using AddrPtr = std::unique_ptr<rtnl_addr, CFree<rtnl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, CFree<rtnl_route_put>>;
using NextHopPtr = std::unique_ptr<rtnl_nexthop, CFree<rtnl_route_nh_free>>;

}  // namespace nexus::net
