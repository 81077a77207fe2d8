#include <algorithm>

#include "plugins/nexus-bridge/commands.h"
#include "shared/base/error.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/cni/delegate.h"
#include "shared/nat/mac_spoof_check.h"
#include "shared/nat/masquerade.h"
#include "shared/nat/nft.h"
#include "shared/nat/port_publish.h"
#include "shared/neighbours/docker_user_chain.h"
#include "shared/neighbours/firewalld.h"
#include "shared/net/addr.h"
#include "shared/net/bridge.h"
#include "shared/net/bridge_vlan.h"
#include "shared/net/host_veth_name.h"
#include "shared/net/link.h"
#include "shared/net/nl_address.h"
#include "shared/net/nl_socket.h"
#include "shared/net/route.h"

namespace nexus::bridge_plugin {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw Error(Code::Internal, msg); }

const cni::Interface& container_interface(const cni::Result& prev, const cni::Request& req) {
  for (const auto& i : prev.interfaces)
    if (i.name == req.ifname && i.sandbox == req.netns) return i;
  fail("prevResult lists no interface " + req.ifname + " in " + req.netns);
}

void check_addresses(const net::NlSocket& sock, const net::Link& link, const cni::Result& prev) {
  const auto present = net::list_addresses(sock, link.index);
  for (const auto& ip : prev.ips) {
    const bool found =
        std::any_of(present.begin(), present.end(), [&](const auto& a) { return a.prefix == ip.address; });
    if (!found) fail("address " + ip.address.to_string() + " is missing on " + link.name);
  }
}

// What of `want` (a prevResult route) the kernel's `have` differs in, or empty. Only fields the result sets are
// compared; scope only for IPv4, as the kernel reports every IPv6 route as global.
std::string route_mismatch(const cni::Route& want, const net::Route& have) {
  const auto differs = [](const char* what, unsigned expected, unsigned actual) {
    return std::string(what) + " " + std::to_string(actual) + ", expected " + std::to_string(expected);
  };
  if (want.priority && have.priority != *want.priority) return differs("priority", *want.priority, have.priority);
  if (want.mtu && have.mtu != *want.mtu) return differs("mtu", *want.mtu, have.mtu);
  if (want.advmss && have.advmss != *want.advmss) return differs("advmss", *want.advmss, have.advmss);
  if (want.scope && want.dst.is_v4() && static_cast<unsigned>(have.scope) != *want.scope)
    return differs("scope", *want.scope, static_cast<unsigned>(have.scope));
  return "";
}

// Routes may have been changed by a later plugin of the chain (the spec allows it): only our own routes via this
// interface that prevResult lists are checked, by destination in their table, then by the fields the result gives.
void check_routes(const net::NlSocket& sock, const net::Link& link, const cni::Result& prev) {
  for (const auto& r : prev.routes) {
    const unsigned table = r.table.value_or(0) ? *r.table : RT_TABLE_MAIN;
    const auto routes = net::list_routes(sock, link.index, net::family_of(r.dst), table);
    const std::string where = "route to " + r.dst.to_string() + " via " + link.name + " in table " + std::to_string(table);
    std::string mismatch = "is missing";
    for (const auto& k : routes) {
      if (k.dst != r.dst) continue;
      mismatch = route_mismatch(r, k);
      if (mismatch.empty()) break;
      mismatch = "has " + mismatch;
    }
    if (!mismatch.empty()) fail(where + " " + mismatch);
  }
}

// ipMasq: every address of prevResult is masqueraded for this attachment, by a chain exempting exactly
// nonMasqueradeCIDRs. The message names what is lost and whose: a firewall reload (`nft flush ruleset`) takes
// the whole table, which `nexus firewall-reload` restores.
void check_masqueraded(const BridgeConf& conf, const cni::Request& req, const cni::Result& prev) {
  nat::Nft nft;
  const nat::MasqueradeTarget target = masquerade_target(conf, req);
  const std::string gap = nat::find_masquerade_gap(nft, target, masquerade_addresses(prev.ips));
  if (!gap.empty())
    throw Error(Code::Internal, "ipMasq of " + req.container_id + "/" + req.ifname + " on " + target.bridge +
                                    " in network " + conf.net.name + ": " + gap,
                "if a firewall reload removed it (nft flush ruleset), `nexus firewall-reload` re-creates it");
}

// Docker next door: its user chain passes the bridge's traffic (a DOCKER-USER emptied by hand, or restored from a
// file without our rules, would drop it under Docker's FORWARD policy).
void check_docker_user_chains(const BridgeConf& conf) {
  const std::string gap = neighbours::find_docker_user_gap(gateway_link_name(conf));
  if (!gap.empty())
    throw Error(Code::Internal, "forwarding of bridge " + gateway_link_name(conf) + " in network " + conf.net.name +
                                    ": " + gap,
                "`nexus firewall-reload` puts the rules back");
}

// vlan/vlanTrunk: the bridge filters VLANs and the host port has every wanted VLAN with its flags.
void check_vlans(const net::NlSocket& host, const net::Link& bridge, const net::Link& port, const BridgeConf& conf) {
  const auto state = net::bridge_vlan_state(host, bridge.index);
  if (!state || !state->filtering)
    fail("bridge " + conf.bridge + " does not filter VLANs (vlan_filtering is off)");
  const std::string missing = missing_port_vlan(port_vlan_entries(conf.vlans), net::port_vlans(host, port.index));
  if (!missing.empty()) fail(missing + " on host veth " + port.name + " (bridge " + conf.bridge + ")");
  if (conf.is_gateway && conf.vlans.vlan != 0 && !net::find_link(host, gateway_link_name(conf)))
    fail("VLAN gateway interface " + gateway_link_name(conf) + " is missing");
}

// macspoofchk: the container port's check is in place, for the container interface's MAC, as this attachment's.
void check_mac_spoof_check(const cni::Request& req, const net::Link& peer) {
  nat::Nft nft;
  const std::string gap = nat::find_mac_spoof_check_gap(nft, spoof_checked_port(req, peer.mac));
  if (!gap.empty()) fail("macspoofchk of " + req.container_id + "/" + req.ifname + ": " + gap);
}

// portMappings: every mapping of the request is published to prevResult's addresses as this attachment's.
void check_published(const BridgeConf& conf, const cni::Request& req, const cni::Result& prev) {
  nat::Nft nft;
  const std::string gap =
      nat::find_unpublished(nft, publish_target(conf, req), conf.port_mappings, masquerade_addresses(prev.ips));
  if (!gap.empty()) fail("portMappings of " + req.container_id + "/" + req.ifname + ": " + gap);
}

}  // namespace

void cmd_check(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  if (!conf.net.prev_result)
    throw Error(Code::InvalidConfig, "CHECK needs prevResult: the result of the ADD to check");
  const cni::Result& prev = *conf.net.prev_result;
  if (!conf.net.ipam_type.empty()) cni::delegate_check(conf.net.ipam_type, req);

  const net::Sockets nl = net::Sockets::open(req.netns);
  const auto bridge = net::find_link(nl.host, conf.bridge);
  if (!bridge || bridge->kind != "bridge") fail("bridge " + conf.bridge + " is missing");
  const std::string host_name = net::host_veth_name(req.container_id, req.ifname);
  const auto host = net::find_link(nl.host, host_name);
  if (!host) fail("host veth " + host_name + " is missing");
  if (host->master != bridge->index) fail("host veth " + host_name + " is not attached to " + conf.bridge);
  if (conf.port_isolation && net::port_isolated(nl.host, host->index) != true)
    fail("host veth " + host_name + " on " + conf.bridge + " is not an isolated bridge port (portIsolation)");
  if (conf.vlans.enabled()) check_vlans(nl.host, *bridge, *host, conf);

  const cni::Interface& want = container_interface(prev, req);
  const auto peer = net::find_link(nl.container, req.ifname);
  if (!peer) fail("interface " + req.ifname + " is missing in " + req.netns);
  if (!want.mac.empty() && want.mac != peer->mac)
    fail("interface " + req.ifname + " has MAC " + peer->mac + ", expected " + want.mac);
  check_addresses(nl.container, *peer, prev);
  check_routes(nl.container, *peer, prev);
  if (conf.ip_masq) check_masqueraded(conf, req, prev);
  if (routes_through_host(conf)) check_docker_user_chains(conf);
  if (conf.mac_spoof_check) check_mac_spoof_check(req, *peer);
  if (!conf.port_mappings.empty()) check_published(conf, req, prev);
  // Everything of ours in place, yet firewalld may reject the bridge's traffic (a reload forgot its zone): code
  // 102 with the fix, as ADD.
  if (routes_through_host(conf)) neighbours::require_firewalld_forwards(nl.host, gateway_link_name(conf));
}

}  // namespace nexus::bridge_plugin
