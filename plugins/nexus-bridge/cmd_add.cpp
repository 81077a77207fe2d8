#include <optional>

#include "plugins/nexus-bridge/commands.h"
#include "plugins/nexus-bridge/container_setup.h"
#include "plugins/nexus-bridge/ipam_add.h"
#include "plugins/nexus-bridge/masquerade_adder.h"
#include "plugins/nexus-bridge/port_publish_helper.h"
#include "plugins/nexus-bridge/spoof_check_adder.h"
#include "plugins/nexus-bridge/vlan_setup.h"
#include "shared/base/error.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/cni/delegate.h"
#include "shared/neighbours/docker_user_chain.h"
#include "shared/neighbours/firewalld.h"
#include "shared/net/addr.h"
#include "shared/net/bridge.h"
#include "shared/net/default_route.h"
#include "shared/net/host_veth_name.h"
#include "shared/net/sysctl.h"
#include "shared/net/veth.h"
#include "shared/util/undo.h"

namespace nexus::bridge_plugin {
namespace {

// The spec: "If an interface of the requested name already exists in the container, the plugin MUST return
// with an error." Checked before IPAM may act, so a refused ADD changes nothing.
void require_free_ifname(const net::Sockets& nl, const cni::Request& req) {
  if (net::find_link(nl.container, req.ifname))
    throw Error(Code::InvalidConfig,
                "interface " + req.ifname + " already exists in netns " + req.netns,
                "pick another CNI_IFNAME or DEL the attachment that created it");
}

// isGateway: every gateway IPAM gave goes on `link` (the bridge, or the VLAN's gateway interface) with its
// subnet's prefix, and the host forwards.
void setup_gateway(const net::Sockets& nl, const net::Link& link, const cni::Result& ipam, const BridgeConf& conf) {
  bool v4 = false, v6 = false;
  for (const auto& ip : ipam.ips) {
    if (!ip.gateway) continue;
    net::ensure_gateway_address(nl.host, link, IpPrefix(*ip.gateway, ip.address.length()), conf.force_address);
    (ip.address.is_v4() ? v4 : v6) = true;
  }
  net::enable_forwarding(v4, v6);
}

// The bridge (created if missing) with the container's veth on it.
struct Port {
  net::Link bridge;
  net::VethPair veth;
};

net::BridgeOptions bridge_options(const BridgeConf& conf) {
  return {.mtu = conf.mtu, .promisc = conf.promisc_mode, .vlan_filtering = conf.vlans.enabled()};
}

// The MTU for the bridge and veth pair: the configured one, else that of the host's default-route interface
// (as netavark does), so that hosts whose uplink has a smaller MTU (overlays, clouds) work without a setting.
// A host without a default route has no uplink to match: 1500, Ethernet's and the kernel's default.
unsigned effective_mtu(const net::Sockets& nl, const BridgeConf& conf) {
  if (conf.mtu) return *conf.mtu;
  return net::default_route_mtu(nl.host).value_or(1500);
}

Port plug_veth(const net::Sockets& nl, const BridgeConf& conf, const cni::Request& req, Undo& undo,
               net::Link bridge) {
  net::VethSpec spec{.host_name = net::host_veth_name(req.container_id, req.ifname), .peer_name = req.ifname,
                     .mtu = conf.mtu.value_or(0), .master_index = bridge.index,
                     .peer_up = !conf.disable_container_interface};
  if (conf.mac) spec.peer_mac = net::parse_mac(*conf.mac);
  net::VethPair veth = net::create_veth(nl, spec);
  undo.push("delete veth", [&nl, index = veth.host.index] { net::delete_link(nl.host, index); });
  if (conf.hairpin_mode) net::set_hairpin(nl.host, veth.host.index, true);
  if (conf.port_isolation) net::set_port_isolated(nl.host, veth.host.index, true);
  if (conf.vlans.enabled()) setup_port_vlans(nl.host, bridge, veth.host.index, conf.vlans);
  return {std::move(bridge), std::move(veth)};
}

cni::Result make_result(const BridgeConf& conf, const cni::Request& req, const net::Link& bridge,
                        const net::VethPair& veth, const cni::Result& ipam, std::vector<cni::Route> routes) {
  cni::Result r = conf.net.prev_result.value_or(cni::Result{});  // chained: ours are appended to prevResult
  const unsigned base = static_cast<unsigned>(r.interfaces.size());
  r.interfaces.push_back({.name = bridge.name, .mac = bridge.mac});
  r.interfaces.push_back({.name = veth.host.name, .mac = veth.host.mac});
  r.interfaces.push_back({.name = veth.peer.name, .mac = veth.peer.mac, .mtu = veth.peer.mtu, .sandbox = req.netns});
  for (auto ip : ipam.ips) {
    ip.interface = base + 2;
    r.ips.push_back(ip);
  }
  r.routes.insert(r.routes.end(), routes.begin(), routes.end());
  r.dns = result_dns(conf, ipam);
  return r;
}

}  // namespace

nlohmann::json cmd_add(const cni::Request& req) {
  BridgeConf conf = BridgeConf::parse(req);  // not const: its mtu is settled once we can look at the host
  // The helpers start first, as their start-up is the longest: port publishing's loads libnftables and opens its
  // context, IPAM execs. None changes anything before we have checked the request. (ipMasq and macspoofchk need
  // no helper: their elements go in by one netlink batch, masquerade_adder.h and spoof_check_adder.h.)
  std::optional<MasqueradeAdder> masquerade;
  if (conf.ip_masq) masquerade.emplace(masquerade_target(conf, req));
  std::optional<SpoofCheckAdder> spoof_check;
  if (conf.mac_spoof_check) spoof_check.emplace(req);
  std::optional<PortPublisher> ports;
  if (!conf.port_mappings.empty()) ports.emplace(publish_target(conf, req), conf.port_mappings, ipam_families(conf, req));
  std::optional<IpamAdd> ipam_add;  // declared before `undo`, whose steps use it and `ipam`
  if (!conf.net.ipam_type.empty()) ipam_add.emplace(conf, req);
  const net::Sockets nl = net::Sockets::open(req.netns);  // code 8 for a bad netns, before any change
  require_free_ifname(nl, req);
  require_vlan_support(nl.host, conf);  // code 100 on a kernel without VLAN filtering, before IPAM acts
  conf.mtu = effective_mtu(nl, conf);
  if (ports) ports->require_free();  // code 101 for a host port another owner holds, before IPAM acts
  // Code 102 when firewalld would reject what the host forwards from the bridge (the host routes the container's
  // traffic when it is its gateway or masquerades it); one netlink request on a host without firewalld.
  if (routes_through_host(conf)) neighbours::require_firewalld_forwards(nl.host, gateway_link_name(conf));

  cni::Result ipam;
  Undo undo;
  // IPAM runs while we plug the veth into an existing bridge. A missing bridge is created only after IPAM
  // succeeded, so that a refused ADD leaves none behind.
  if (ipam_add) {
    ipam_add->go();
    undo.push("release addresses", [&] { ipam_add->undo(); });
  }
  std::optional<Port> port;
  if (auto existing = net::find_link(nl.host, conf.bridge))
    port = plug_veth(nl, conf, req, undo, net::adopt_bridge(nl.host, *existing, bridge_options(conf)));
  if (ipam_add) ipam = ipam_add->result();
  if (!port) port = plug_veth(nl, conf, req, undo, net::ensure_bridge(nl.host, conf.bridge, bridge_options(conf)));
  // With `vlan` the gateway lives on "<bridge>.<vlan>", an access port of that VLAN (the reference's layout).
  std::optional<net::Link> vlan_gateway;
  if (conf.is_gateway && conf.vlans.vlan != 0) vlan_gateway = ensure_vlan_gateway(nl.host, port->bridge, conf);
  if (conf.is_gateway) setup_gateway(nl, vlan_gateway ? *vlan_gateway : port->bridge, ipam, conf);
  // Where Docker's FORWARD policy drops what the host routes, its user chain lets ours pass (one netlink round
  // trip when the rules are there or there is no Docker; shared/neighbours/docker_user_chain.h).
  if (routes_through_host(conf) && neighbours::pass_docker_user_chains(gateway_link_name(conf)))
    undo.push("remove DOCKER-USER rules", [&conf, veth = port->veth.host.index] {
      neighbours::release_docker_user_chains(gateway_link_name(conf), conf.bridge, veth);
    });
  if (spoof_check) {
    spoof_check->add(port->veth.peer.mac);  // undone by owner
    undo.push("remove macspoofchk", [&] { spoof_check->undo(); });
  }

  if (masquerade) {
    masquerade->add(ipam.ips);
    undo.push("remove masquerade", [&] { masquerade->undo(ipam.ips); });
  }
  if (ports) {
    ports->publish(ipam.ips);  // the helper publishes the host ports while we configure the container
    undo.push("unpublish ports", [&] { ports->undo(); });
  }
  const std::vector<cni::Route> routes = container_routes(conf, ipam);
  configure_container(nl.container, port->veth.peer, ipam, routes, conf);
  if (ports) ports->wait_published();
  undo.commit();
  cni::Result result = make_result(conf, req, port->bridge, port->veth, ipam, routes);
  if (vlan_gateway) result.interfaces.push_back({.name = vlan_gateway->name, .mac = vlan_gateway->mac});
  return cni::encode_result(result, conf.net.cni_version);
}

}  // namespace nexus::bridge_plugin
