#include <net/if.h>

#include <optional>

#include "plugins/nexus-bridge/commands.h"
#include "plugins/nexus-bridge/teardown_helper.h"
#include "shared/base/error.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/bridge_conf/port_mappings_conf.h"
#include "shared/cni/delegate.h"
#include "shared/nat/idle_tables.h"
#include "shared/neighbours/docker_user_chain.h"
#include "shared/net/bridge.h"
#include "shared/net/host_veth_name.h"

namespace nexus::bridge_plugin {
namespace {

// The addresses prevResult gives the container interface of this attachment (all, when it names none).
std::vector<cni::IpConfig> ips_of(const cni::Result& prev, const cni::Request& req) {
  std::vector<cni::IpConfig> ips;
  for (const auto& ip : prev.ips) {
    const bool ours = !ip.interface || *ip.interface >= prev.interfaces.size() ||
                      prev.interfaces[*ip.interface].name == req.ifname;
    if (ours) ips.push_back(ip);
  }
  return ips;
}

// The host veth's index, found by its name (the container netns is never needed); 0 when it is gone.
int host_veth_index(const cni::Request& req) {
  return static_cast<int>(::if_nametoindex(net::host_veth_name(req.container_id, req.ifname).c_str()));
}

// macspoofchk's port, with the container interface's MAC from prevResult when it has one (a hint: the check goes
// by owner either way).
nat::SpoofCheckedPort spoof_check_of(const BridgeConf& conf, const cni::Request& req) {
  std::string mac;
  if (conf.net.prev_result)
    for (const auto& i : conf.net.prev_result->interfaces)
      if (i.name == req.ifname && !i.sandbox.empty()) mac = i.mac;
  return spoof_checked_port(req, mac);
}

// The request's portMappings as a hint for their removal (which goes by owner either way): a list DEL cannot use
// is ignored, as DEL is best effort.
std::vector<nat::PortMapping> del_port_mappings(const BridgeConf& conf) {
  const auto& rc = conf.net.runtime_config;
  if (!rc.is_object() || !rc.contains("portMappings") || rc["portMappings"].is_null()) return {};
  try {
    return parse_port_mappings(rc["portMappings"]);
  } catch (const Error&) {
    return {};
  }
}

// The runtime says it asked for no ports (an empty runtimeConfig.portMappings): the ADD it made published none, so
// DEL has nothing to look up (GC removes what a lost runtime left).
bool runtime_published_none(const BridgeConf& conf) {
  const auto& rc = conf.net.runtime_config;
  return rc.is_object() && rc.contains("portMappings") && rc["portMappings"].is_array() &&
         rc["portMappings"].empty();
}

// Nexus's tables when nothing is in them (shared/nat/idle_tables.h). A failure leaves them for a later DEL: the
// attachment is gone either way, and DEL must say so.
void remove_idle_nexus_tables() {
  try {
    nat::remove_idle_tables();
  } catch (const Error&) {
  }
}

}  // namespace

// DEL is best effort and idempotent: it works without CNI_NETNS, with the netns already gone, and twice.
// Deleting the host veth removes its peer in the container too.
void cmd_del(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  // A helper removes the attachment's masquerade elements (by owner; prevResult's addresses only speed that
  // up), then deletes the veth; the kernel's RCU cleanup of both finishes in the helper after we have answered.
  std::optional<nat::MasqueradeTarget> masquerade;
  std::vector<IpPrefix> address_hint;  // prevResult's addresses of this attachment
  if (conf.net.prev_result) address_hint = masquerade_addresses(ips_of(*conf.net.prev_result, req));
  if (conf.ip_masq) masquerade = masquerade_target(conf, req);
  std::optional<nat::SpoofCheckedPort> spoof_check;
  if (conf.mac_spoof_check) spoof_check = spoof_check_of(conf, req);
  std::optional<nat::PublishTarget> ports;
  const std::vector<nat::PortMapping> mappings = del_port_mappings(conf);
  if (conf.publishes_ports && !runtime_published_none(conf)) ports = publish_target(conf, req);
  Teardown teardown(masquerade, address_hint, host_veth_index(req), spoof_check, ports, mappings);
  // IPAM frees the addresses only once their masquerade elements and published ports are gone: a concurrent ADD
  // may take a freed address at once, and would otherwise find our element still there (or get our ports'
  // traffic). So with either, IPAM starts now but is held until then (and killed if the removal fails).
  const bool hold_ipam = conf.ip_masq || ports.has_value();
  std::optional<cni::PendingDelegate> ipam;
  if (!conf.net.ipam_type.empty()) ipam.emplace(cni::delegate_async(conf.net.ipam_type, "DEL", req, hold_ipam));
  teardown.wait_masquerade_removed();
  if (ipam) ipam->release();
  teardown.wait_spoof_check_removed();
  // IPAM's DEL runs while the kernel unlists the veth: neither needs the other.
  teardown.wait_veth_gone();
  // The bridge's last port gone: our rules in Docker's user chain go too, and Nexus's tables when no attachment
  // anywhere has an element in them. One dump tells; the common DEL, whose bridge has ports left, stops there.
  const bool in_nexus_tables = conf.ip_masq || spoof_check || ports;
  if ((routes_through_host(conf) || in_nexus_tables) &&
      !net::has_ports_besides(conf.bridge)) {
    if (routes_through_host(conf)) neighbours::release_docker_user_chains(gateway_link_name(conf), conf.bridge);
    remove_idle_nexus_tables();
  }
  if (ipam) ipam->get();
}

}  // namespace nexus::bridge_plugin
