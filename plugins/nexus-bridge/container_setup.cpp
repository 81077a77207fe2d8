#include "plugins/nexus-bridge/container_setup.h"

#include <linux/rtnetlink.h>

#include <algorithm>

#include "shared/net/addr.h"
#include "shared/net/route.h"

namespace nexus::bridge_plugin {
namespace {

// The gateway IPAM gave for the first address of a family, if any.
std::optional<IpAddress> gateway_of_family(const cni::Result& ipam, bool v4) {
  for (const auto& ip : ipam.ips)
    if (ip.address.is_v4() == v4 && ip.gateway) return ip.gateway;
  return std::nullopt;
}

net::RouteSpec route_spec(const cni::Route& r, int ifindex) {
  net::RouteSpec spec{.dst = r.dst, .gateway = r.gw, .ifindex = ifindex};
  spec.mtu = r.mtu;
  spec.advmss = r.advmss;
  spec.priority = r.priority;
  if (r.table && *r.table != 0) spec.table = *r.table;  // table 0 is the main table, as for the kernel and the reference
  if (r.scope) spec.scope = static_cast<int>(*r.scope);
  return spec;
}

}  // namespace

std::vector<cni::Route> container_routes(const BridgeConf& conf, const cni::Result& ipam) {
  std::vector<cni::Route> routes = ipam.routes;
  for (auto& r : routes)  // a link- or host-scoped route is on the link: it takes no next hop
    if (!r.gw && !(r.scope && *r.scope >= RT_SCOPE_LINK)) r.gw = gateway_of_family(ipam, r.dst.is_v4());
  if (!conf.is_default_gateway) return routes;
  for (const bool v4 : {true, false}) {
    const std::optional<IpAddress> gw = gateway_of_family(ipam, v4);
    const IpPrefix any(IpAddress::from_value(v4, 0), 0);  // 0.0.0.0/0 or ::/0
    const bool present = std::any_of(routes.begin(), routes.end(), [&](const auto& r) { return r.dst == any; });
    if (gw && !present) routes.push_back({.dst = any, .gw = gw});
  }
  return routes;
}

void configure_container(const net::NlSocket& container, const net::Link& peer, const cni::Result& ipam,
                         const std::vector<cni::Route>& routes, const BridgeConf& conf) {
  net::set_up(container, net::kLoopbackIndex);  // no lookup: lo is always index 1; already up is a no-op
  for (const auto& ip : ipam.ips)
    net::ensure_address(container, peer.index, ip.address, {.nodad = !conf.enable_dad});
  // disableContainerInterface leaves it down (it then has no addresses or routes: parse() refuses ipam).
  if (!peer.is_up() && !conf.disable_container_interface)
    net::set_up(container, peer.index);  // routes via a gateway need the link up
  for (const auto& r : routes) net::ensure_route(container, route_spec(r, peer.index));
}

cni::Dns result_dns(const BridgeConf& conf, const cni::Result& ipam) {
  cni::Dns dns = conf.net.dns && !conf.net.dns->empty() ? *conf.net.dns : ipam.dns;
  if (conf.runtime_dns) {
    const cni::Dns& rt = *conf.runtime_dns;
    if (!rt.nameservers.empty()) dns.nameservers = rt.nameservers;
    if (!rt.domain.empty()) dns.domain = rt.domain;
    if (!rt.search.empty()) dns.search = rt.search;
    if (!rt.options.empty()) dns.options = rt.options;
  }
  return dns;
}

}  // namespace nexus::bridge_plugin
