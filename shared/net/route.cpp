#include "shared/net/route.h"

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/route/nexthop.h>

#include "shared/net/nl_address.h"
#include "shared/net/nl_error.h"
#include "shared/net/nl_request.h"

namespace nexus::net {
namespace {

void set_metric(rtnl_route* r, int metric, const std::optional<unsigned>& value) {
  if (value) rtnl_route_set_metric(r, metric, *value);
}

RoutePtr make_route(const RouteSpec& spec) {
  RoutePtr route(rtnl_route_alloc());
  NextHopPtr hop(rtnl_route_nh_alloc());
  if (!route || !hop) throw Error(Code::Internal, "allocate route: out of memory");
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(family_of(spec.dst)));
  rtnl_route_set_table(route.get(), spec.table);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_set_scope(route.get(), static_cast<uint8_t>(spec.scope.value_or(spec.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK)));
  const NlAddrPtr dst = to_nl_addr(spec.dst.masked());
  rtnl_route_set_dst(route.get(), dst.get());
  if (spec.priority) rtnl_route_set_priority(route.get(), *spec.priority);
  set_metric(route.get(), RTAX_MTU, spec.mtu);
  set_metric(route.get(), RTAX_ADVMSS, spec.advmss);
  rtnl_route_nh_set_ifindex(hop.get(), spec.ifindex);
  if (spec.gateway) {
    const NlAddrPtr gw = to_nl_addr(*spec.gateway);
    rtnl_route_nh_set_gateway(hop.get(), gw.get());
  }
  rtnl_route_add_nexthop(route.get(), hop.release());  // the route owns the next hop now
  return route;
}

std::string describe(const RouteSpec& spec) {
  std::string text = spec.dst.masked().to_string();
  if (spec.gateway) text += " via " + spec.gateway->to_string();
  return text + " dev #" + std::to_string(spec.ifindex);
}

std::optional<Route> to_route(rtnl_route* r, int ifindex) {
  if (rtnl_route_get_nnexthops(r) < 1) return std::nullopt;
  rtnl_nexthop* hop = rtnl_route_nexthop_n(r, 0);
  if (rtnl_route_nh_get_ifindex(hop) != ifindex) return std::nullopt;
  const int family = rtnl_route_get_family(r);
  Route out;
  out.dst = prefix_from_nl(rtnl_route_get_dst(r), family);
  if (nl_addr* gw = rtnl_route_nh_get_gateway(hop)) out.gateway = prefix_from_nl(gw, family).address();
  out.ifindex = ifindex;
  out.table = rtnl_route_get_table(r);
  out.scope = rtnl_route_get_scope(r);
  out.protocol = rtnl_route_get_protocol(r);
  out.priority = rtnl_route_get_priority(r);
  uint32_t value = 0;
  if (rtnl_route_get_metric(r, RTAX_MTU, &value) == 0) out.mtu = value;
  if (rtnl_route_get_metric(r, RTAX_ADVMSS, &value) == 0) out.advmss = value;
  return out;
}

NlMsgPtr route_dump_request(int ifindex, int family, unsigned table) {
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP));
  if (!msg) throw Error(Code::Internal, "allocate netlink message: out of memory");
  rtmsg header{};
  header.rtm_family = static_cast<unsigned char>(family);
  header.rtm_table = static_cast<unsigned char>(table < 256 ? table : RT_TABLE_UNSPEC);
  check_put(nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO), "rtmsg");
  // Kernel-side filters under NETLINK_GET_STRICT_CHK; results are filtered again here.
  check_put(nla_put_u32(msg.get(), RTA_OIF, static_cast<uint32_t>(ifindex)), "RTA_OIF");
  if (table != 0) check_put(nla_put_u32(msg.get(), RTA_TABLE, table), "RTA_TABLE");
  return msg;
}

}  // namespace

bool ensure_route(const NlSocket& sock, const RouteSpec& spec) {
  const RoutePtr route = make_route(spec);
  const int err = rtnl_route_add(sock.get(), route.get(), NLM_F_EXCL);
  if (err == -NLE_EXIST) return false;
  if (err < 0) throw nl_error("add", "route", describe(spec), err);
  return true;
}

bool delete_route(const NlSocket& sock, const RouteSpec& spec) {
  const RoutePtr route = make_route(spec);
  const int err = rtnl_route_delete(sock.get(), route.get(), 0);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return false;
  if (err < 0) throw nl_error("delete", "route", describe(spec), err);
  return true;
}

std::vector<Route> list_routes(const NlSocket& sock, int ifindex, int family, unsigned table) {
  std::vector<Route> out;
  dump(sock, [&] { return route_dump_request(ifindex, family, table); },
       [&](nl_object* obj) {
         auto* r = reinterpret_cast<rtnl_route*>(obj);
         if (table != 0 && rtnl_route_get_table(r) != table) return;
         if (rtnl_route_get_family(r) != family) return;
         if (std::optional<Route> route = to_route(r, ifindex)) out.push_back(*route);
       },
       "routes of link #" + std::to_string(ifindex));
  return out;
}

}  // namespace nexus::net
