#include <linux/rtnetlink.h>

#include <optional>

#include "plugins/nexus-bridge/bridge_conf.h"
#include "plugins/nexus-bridge/commands.h"
#include "plugins/nexus-bridge/host_veth_name.h"
#include "plugins/nexus-bridge/masquerade.h"
#include "shared/cni/delegate.h"
#include "shared/cni/error.h"
#include "shared/net/addr.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"

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

// Without prevResult (a runtime that lost it, or an ADD killed before it printed one) the addresses are read
// from the container's interface, as the reference plugin does; none when the netns or interface is gone.
std::vector<cni::IpConfig> container_ips(const cni::Request& req) {
  std::vector<cni::IpConfig> ips;
  if (req.netns.empty()) return ips;
  try {
    const net::Sockets nl = net::Sockets::open(req.netns);
    const auto link = net::find_link(nl.container, req.ifname);
    if (!link) return ips;
    for (const auto& a : net::list_addresses(nl.container, link->index))
      if (a.scope == RT_SCOPE_UNIVERSE) ips.push_back({.address = a.prefix.to_string()});
  } catch (const cni::Error&) {
    // netns gone or not a netns: DEL still succeeds; GC catches what is left
  }
  return ips;
}

}  // namespace

// DEL is best effort and idempotent: it works without CNI_NETNS, with the netns already gone, and twice. The
// host end is found by its name, so the container netns is never needed; deleting it removes its peer too.
void cmd_del(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  // The masquerade element goes before IPAM frees the address: once freed, a concurrent ADD may take it and
  // add its own element for it, which a later removal here would delete.
  if (conf.ip_masq)
    remove_masquerade(conf, conf.net.prev_result ? ips_of(*conf.net.prev_result, req) : container_ips(req));
  // IPAM's DEL runs while the kernel deletes the veth (most of a DEL's time): neither needs the other.
  std::optional<cni::PendingDelegate> ipam;
  if (!conf.net.ipam_type.empty()) ipam.emplace(cni::delegate_async(conf.net.ipam_type, "DEL", req));
  net::delete_link_by_name(net::NlSocket::open(), host_veth_name(req.container_id, req.ifname));
  if (ipam) ipam->get();
}

}  // namespace nexus::bridge_plugin
