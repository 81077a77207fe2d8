#include "plugins/nexus-bridge/container_setup.h"

#include <sys/socket.h>

#include <algorithm>

#include "shared/net/addr.h"
#include "shared/net/ip_prefix.h"
#include "shared/net/route.h"

namespace nexus::bridge_plugin {
namespace {

bool is_v6(const std::string& cidr) { return cidr.find(':') != std::string::npos; }

// The gateway IPAM gave for the first address of a family, if any.
std::string gateway_of_family(const cni::Result& ipam, bool v6) {
  for (const auto& ip : ipam.ips)
    if (ip.is_v6() == v6 && !ip.gateway.empty()) return ip.gateway;
  return {};
}

net::RouteSpec route_spec(const cni::Route& r, int ifindex) {
  net::RouteSpec spec{.dst = net::IpPrefix::parse(r.dst, "route dst"), .ifindex = ifindex};
  if (!r.gw.empty()) spec.gateway = net::IpPrefix::parse(r.gw, "route gw");
  spec.mtu = r.mtu;
  spec.advmss = r.advmss;
  spec.priority = r.priority;
  if (r.table) spec.table = *r.table;
  if (r.scope) spec.scope = static_cast<int>(*r.scope);
  return spec;
}

}  // namespace

std::vector<cni::Route> container_routes(const BridgeConf& conf, const cni::Result& ipam) {
  std::vector<cni::Route> routes = ipam.routes;
  for (auto& r : routes)
    if (r.gw.empty()) r.gw = gateway_of_family(ipam, is_v6(r.dst));
  if (!conf.is_default_gateway) return routes;
  for (const bool v6 : {false, true}) {
    const std::string gw = gateway_of_family(ipam, v6);
    const std::string any = v6 ? "::/0" : "0.0.0.0/0";
    const bool present = std::any_of(routes.begin(), routes.end(), [&](const auto& r) { return r.dst == any; });
    if (!gw.empty() && !present) routes.push_back({.dst = any, .gw = gw});
  }
  return routes;
}

void configure_container(const net::NlSocket& container, const net::Link& peer, const cni::Result& ipam,
                         const std::vector<cni::Route>& routes, const BridgeConf& conf) {
  net::set_up(container, net::kLoopbackIndex);  // no lookup: lo is always index 1; already up is a no-op
  for (const auto& ip : ipam.ips)
    net::ensure_address(container, peer.index, net::IpPrefix::parse(ip.address, "ips address"),
                        {.nodad = !conf.enable_dad});
  if (!peer.is_up()) net::set_up(container, peer.index);  // routes via a gateway need the link up
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
