#include "shared/net/default_route.h"

#include <netlink/attr.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <sys/socket.h>

#include "shared/base/error.h"
#include "shared/net/link.h"
#include "shared/net/nl_request.h"

namespace nexus::net {
namespace {

// Every route of `family` in the main table (the kernel filters by table under NETLINK_GET_STRICT_CHK; we
// filter again). Unlike list_routes(), not restricted to one output device: that is what we look for.
NlMsgPtr main_table_dump(int family) {
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP));
  if (!msg) throw Error(Code::Internal, "allocate netlink message: out of memory");
  rtmsg header{};
  header.rtm_family = static_cast<unsigned char>(family);
  header.rtm_table = RT_TABLE_MAIN;
  check_put(nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO), "rtmsg");
  check_put(nla_put_u32(msg.get(), RTA_TABLE, RT_TABLE_MAIN), "RTA_TABLE");
  return msg;
}

// The output device of the family's default route with the lowest metric; 0 if there is none.
int default_route_ifindex(const NlSocket& sock, int family) {
  int ifindex = 0;
  uint32_t best = 0;
  dump(sock, [family] { return main_table_dump(family); },
       [&](nl_object* obj) {
         auto* r = reinterpret_cast<rtnl_route*>(obj);
         if (rtnl_route_get_family(r) != family || rtnl_route_get_table(r) != RT_TABLE_MAIN) return;
         if (rtnl_route_get_type(r) != RTN_UNICAST || rtnl_route_get_nnexthops(r) < 1) return;
         nl_addr* dst = rtnl_route_get_dst(r);
         if (dst && nl_addr_get_prefixlen(dst) != 0) return;  // not a default route
         const int index = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, 0));
         if (index == 0 || (ifindex != 0 && rtnl_route_get_priority(r) >= best)) return;
         ifindex = index;
         best = rtnl_route_get_priority(r);
       },
       "default route");
  return ifindex;
}

}  // namespace

std::optional<unsigned> default_route_mtu(const NlSocket& sock) {
  for (const int family : {AF_INET, AF_INET6}) {
    const int index = default_route_ifindex(sock, family);
    if (index == 0) continue;
    if (const std::optional<Link> link = find_link(sock, index)) return link->mtu;
  }
  return std::nullopt;
}

std::vector<std::string> default_route_interfaces(const NlSocket& sock) {
  std::vector<std::string> names;
  for (const int family : {AF_INET, AF_INET6}) {
    const int index = default_route_ifindex(sock, family);
    if (index == 0) continue;
    const std::optional<Link> link = find_link(sock, index);
    if (link && (names.empty() || names.front() != link->name)) names.push_back(link->name);
  }
  return names;
}

}  // namespace nexus::net
