#include <future>
#include <memory>
#include <optional>

#include "plugins/nexus-bridge/bridge_conf.h"
#include "plugins/nexus-bridge/commands.h"
#include "plugins/nexus-bridge/host_veth_name.h"
#include "plugins/nexus-bridge/masquerade.h"
#include "shared/cni/delegate.h"
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

// Starts removing the attachment's masquerade elements on another thread. `removed` becomes ready once they
// are gone from the ruleset; the returned future, once the nft context is closed too (an RCU grace period).
std::future<void> remove_masquerade_async(const BridgeConf& conf, const cni::Request& req,
                                          std::future<void>& removed) {
  const auto ips = conf.net.prev_result ? ips_of(*conf.net.prev_result, req) : std::vector<cni::IpConfig>{};
  auto gone = std::make_shared<std::promise<void>>();
  removed = gone->get_future();
  return std::async(std::launch::async, [&conf, &req, ips, gone] {
    try {
      remove_masquerade(conf, req, ips, [&gone] { gone->set_value(); });
    } catch (...) {
      try {
        gone->set_exception(std::current_exception());
      } catch (const std::future_error&) {
        // already removed: the failure came later
      }
      throw;
    }
  });
}

}  // namespace

// DEL is best effort and idempotent: it works without CNI_NETNS, with the netns already gone, and twice. The
// host end is found by its name, so the container netns is never needed; deleting it removes its peer too.
void cmd_del(const cni::Request& req) {
  const BridgeConf conf = BridgeConf::parse(req);
  // Removing nft elements and deleting a veth each end in an RCU grace period: run them side by side so the
  // waits overlap. Without prevResult the elements are found by the attachment's tag.
  std::future<void> masquerade, masquerade_removed;
  if (conf.ip_masq) masquerade = remove_masquerade_async(conf, req, masquerade_removed);
  std::future<void> veth = std::async(std::launch::async, [&req] {
    net::delete_link_by_name(net::NlSocket::open(), host_veth_name(req.container_id, req.ifname));
  });
  // IPAM frees the addresses only once their elements are gone: a concurrent ADD may take a freed address at
  // once and add its own element for it, which a removal by address still under way here would delete.
  if (masquerade_removed.valid()) masquerade_removed.get();
  // IPAM's DEL runs while the kernel deletes the veth (most of a DEL's time): neither needs the other.
  std::optional<cni::PendingDelegate> ipam;
  if (!conf.net.ipam_type.empty()) ipam.emplace(cni::delegate_async(conf.net.ipam_type, "DEL", req));
  veth.get();
  if (masquerade.valid()) masquerade.get();
  if (ipam) ipam->get();
}

}  // namespace nexus::bridge_plugin
