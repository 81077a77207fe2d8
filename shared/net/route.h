#pragma once
// Routes: what the container needs to reach its gateway and beyond.
#include <linux/rtnetlink.h>

#include <optional>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/net/nl_socket.h"

namespace nexus::net {

/// A route to add. Scope defaults to universe with a gateway, link without one.
struct RouteSpec {
  IpPrefix dst;                 ///< 0.0.0.0/0 or ::/0 for a default route; host bits are cleared
  std::optional<IpAddress> gateway{};  ///< next hop; none for an on-link route
  int ifindex = 0;                   ///< output device
  std::optional<unsigned> mtu{};       ///< RTAX_MTU
  std::optional<unsigned> advmss{};    ///< RTAX_ADVMSS
  std::optional<unsigned> priority{};  ///< metric
  unsigned table = RT_TABLE_MAIN;
  std::optional<int> scope{};          ///< RT_SCOPE_*
};

/// A route read back from the kernel.
struct Route {
  IpPrefix dst;
  std::optional<IpAddress> gateway{};  ///< of the first next hop
  int ifindex = 0;                  ///< of the first next hop
  unsigned table = 0;
  int scope = 0;
  int protocol = 0;
  unsigned priority = 0;
  unsigned mtu = 0;     ///< 0 if unset
  unsigned advmss = 0;  ///< 0 if unset
};

/// Adds the route; false if the same route already existed (the first one wins, as in the reference).
bool ensure_route(const NlSocket& sock, const RouteSpec& spec);
/// Deletes the route; false if it was not there.
bool delete_route(const NlSocket& sock, const RouteSpec& spec);
/// Routes of `family` (AF_INET/AF_INET6) in `table` (0: every table) whose next hop leaves by `ifindex`.
std::vector<Route> list_routes(const NlSocket& sock, int ifindex, int family, unsigned table = RT_TABLE_MAIN);

}  // namespace nexus::net
