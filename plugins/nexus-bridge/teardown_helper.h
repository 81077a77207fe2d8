#pragma once
// DEL's helper process (shared/util/detached_child.h): it removes the attachment's masquerade elements (ipMasq,
// shared/nat/masquerade.h), then deletes the host veth. The plugin waits only until the elements are gone and
// the veth is unlisted; the kernel's cleanup of both, after RCU grace periods, finishes in the helper.
// Start it while the plugin is still single-threaded.
#include <optional>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/nat/masquerade.h"
#include "shared/net/link_watch.h"
#include "shared/util/detached_child.h"

namespace nexus::bridge_plugin {

class Teardown {
 public:
  /// `masquerade`: the attachment's target, none without ipMasq. `masquerade_addresses`: its addresses from
  /// prevResult, a hint (its elements go by owner either way). `veth_index`: the host veth, 0 when it is
  /// already gone.
  Teardown(const std::optional<nat::MasqueradeTarget>& masquerade,
           const std::vector<IpPrefix>& masquerade_addresses, int veth_index);

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
