#pragma once
// The bridge plugin's helper processes (shared/util/detached_child.h). They take the kernel requests whose
// cleanup waits for RCU grace periods off the answer's path, and load libnftables while IPAM runs.
// Start them while the plugin is still single-threaded.
#include <optional>
#include <vector>

#include "plugins/nexus-bridge/bridge_conf.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"
#include "shared/net/link_watch.h"
#include "shared/util/detached_child.h"

namespace nexus::bridge_plugin {

/// ADD with ipMasq: the helper opens an nft context at once, adds the container's masquerade elements when
/// given its addresses, and closes the context after the plugin has answered.
class MasqueradeAdder {
 public:
  MasqueradeAdder(const BridgeConf& conf, const cni::Request& req);

  /// Hands over the container's addresses; the helper adds their elements while the plugin carries on.
  void add(const std::vector<cni::IpConfig>& ips);
  /// Waits until the elements are in; re-throws the helper's error.
  void wait_added();
  /// Rolls add() back (a later step of the ADD failed): waits for the helper, then removes this attachment's
  /// elements; an element of the same address that is not (or no longer) ours stays.
  void undo(const std::vector<cni::IpConfig>& ips);

 private:
  const BridgeConf& conf_;
  const cni::Request& req_;
  DetachedChild child_;
  bool answered_ = false;
};

/// DEL: the helper removes the attachment's masquerade elements (ipMasq), then deletes the host veth. The
/// plugin waits only until the elements are gone and the veth is unlisted.
class Teardown {
 public:
  /// `masquerade_ips`: the attachment's addresses from prevResult, a hint (its elements go by owner either way).
  /// `veth_index`: the host veth, 0 when it is already gone.
  Teardown(const BridgeConf& conf, const cni::Request& req, const std::vector<cni::IpConfig>& masquerade_ips,
           int veth_index);

  /// Waits until the masquerade elements are gone (no-op without ipMasq); re-throws the helper's error.
  void wait_masquerade_removed();
  /// Waits until the veth (and with it the container's end) is gone from the kernel's view.
  void wait_veth_gone();

 private:
  bool ip_masq_;
  int veth_index_;
  std::optional<net::LinkGoneWatch> watch_;  // subscribed before the helper deletes anything
  std::optional<DetachedChild> child_;       // none when there is nothing to remove
};

}  // namespace nexus::bridge_plugin
