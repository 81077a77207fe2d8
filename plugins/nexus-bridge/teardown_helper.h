#pragma once
// DEL's helper process (shared/util/detached_child.h): it removes the attachment's masquerade elements (ipMasq,
// shared/nat/masquerade.h; one netlink batch, libnftables only when that cannot do it) and published ports
// (shared/nat/port_publish.h), then deletes the host veth; a second one, beside it, removes the MAC spoof check
// (macspoofchk, shared/nat/mac_spoof_check.h). The plugin waits only until the elements are gone and
// the veth is unlisted; the kernel's cleanup of both, after RCU grace periods, finishes in the helper.
// Start it while the plugin is still single-threaded.
#include <optional>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/nat/mac_spoof_check.h"
#include "shared/nat/masquerade.h"
#include "shared/nat/port_publish.h"
#include "shared/net/link_watch.h"
#include "shared/util/detached_child.h"

namespace nexus::bridge_plugin {

class Teardown {
 public:
  /// `masquerade`: the attachment's target, none without ipMasq. `masquerade_addresses`: its addresses from
  /// prevResult, a hint (its elements go by owner either way). `veth_index`: the host veth, 0 when it is
  /// already gone. `spoof_check`: the attachment's checked port, none without macspoofchk (removed by owner; its
  /// MAC, empty when unknown, only speeds that up).
  /// `ports`: the attachment's published ports' target, none when the network does not publish ports (removed
  /// by owner, in the same step as the masquerade elements: both must go before IPAM frees the address).
  /// `port_mappings`: the request's list, a hint like `masquerade_addresses`.
  Teardown(const std::optional<nat::MasqueradeTarget>& masquerade,
           const std::vector<IpPrefix>& masquerade_addresses, int veth_index,
           const std::optional<nat::SpoofCheckedPort>& spoof_check = std::nullopt,
           const std::optional<nat::PublishTarget>& ports = std::nullopt,
           const std::vector<nat::PortMapping>& port_mappings = {});

  /// Waits until the masquerade elements and published ports are gone (no-op without ipMasq and ports);
  /// re-throws the helper's error.
  void wait_masquerade_removed();
  /// Waits until the spoof check is gone (no-op without macspoofchk); re-throws the helper's error.
  void wait_spoof_check_removed();
  /// Waits until the veth (and with it the container's end) is gone from the kernel's view.
  void wait_veth_gone();

 private:
  bool nat_;  // ipMasq or published ports: the helper's first step removes their elements
  int veth_index_;
  std::optional<net::LinkGoneWatch> watch_;  // subscribed before the helper deletes anything
  std::optional<DetachedChild> child_;       // none when there is nothing to remove
  std::optional<DetachedChild> spoof_child_;  // none without macspoofchk
};

}  // namespace nexus::bridge_plugin
