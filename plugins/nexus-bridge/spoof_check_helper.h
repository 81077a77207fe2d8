#pragma once
// ADD's macspoofchk helper process (nft_job.h): it loads libnftables while IPAM runs and puts the container
// port's spoof check in (shared/nat/mac_spoof_check.h) when given the container interface's MAC.
// Start it while the plugin is still single-threaded.
#include <string>

#include "plugins/nexus-bridge/nft_job.h"
#include "shared/cni/request.h"
#include "shared/nat/mac_spoof_check.h"

namespace nexus::bridge_plugin {

class SpoofCheckAdder {
 public:
  explicit SpoofCheckAdder(const cni::Request& req);

  /// Hands over the container interface's MAC; the helper adds the check while the plugin carries on.
  void add(const std::string& mac);
  /// Waits until the check is in; re-throws the helper's error.
  void wait_added();
  /// Rolls add() back (a later step of the ADD failed): waits for the helper, then removes the check if it is
  /// this attachment's.
  void undo();

 private:
  nat::SpoofCheckedPort port_;  // its MAC set by add()
  NftJob job_;
};

}  // namespace nexus::bridge_plugin
