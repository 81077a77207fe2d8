#pragma once
// ADD's ipMasq helper process (nft_job.h): it loads libnftables and opens its context while IPAM runs, adds the
// container's masquerade elements (shared/nat/masquerade.h) when given its addresses, and closes the context,
// which waits for RCU grace periods, after the plugin has answered.
// Start it while the plugin is still single-threaded.
#include <vector>

#include "plugins/nexus-bridge/nft_job.h"
#include "shared/cni/result.h"
#include "shared/nat/masquerade.h"

namespace nexus::bridge_plugin {

class MasqueradeAdder {
 public:
  explicit MasqueradeAdder(const nat::MasqueradeTarget& target);

  /// Hands over the container's addresses; the helper adds their elements while the plugin carries on.
  void add(const std::vector<cni::IpConfig>& ips);
  /// Waits until the elements are in; re-throws the helper's error.
  void wait_added();
  /// Rolls add() back (a later step of the ADD failed): waits for the helper, then removes this attachment's
  /// elements; an element of the same address that is not (or no longer) ours stays.
  void undo(const std::vector<cni::IpConfig>& ips);

 private:
  nat::MasqueradeTarget target_;
  NftJob job_;
};

}  // namespace nexus::bridge_plugin
