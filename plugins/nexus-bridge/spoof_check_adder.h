#pragma once
// ADD's macspoofchk step, in the plugin's own process: the container port's spoof check
// (shared/nat/mac_spoof_check.h) goes in by one netlink batch once the container interface's MAC is known, which
// beats starting a helper process. Only the host's first check (which creates the table) and a stale port's
// replacement load libnftables, here too.
#include <optional>
#include <string>

#include "shared/cni/request.h"
#include "shared/nat/mac_spoof_check.h"

namespace nexus::bridge_plugin {

class SpoofCheckAdder {
 public:
  explicit SpoofCheckAdder(const cni::Request& req);

  /// Adds the check of the container interface's MAC; throws (with nothing of ours added) on failure.
  void add(const std::string& mac);
  /// Rolls add() back (a later step of the ADD failed): removes the check if it is this attachment's.
  void undo();

 private:
  nat::SpoofCheckedPort port_;   // its MAC set by add()
  std::optional<nat::Nft> nft_;  // libnftables, only when the fast path cannot do it
};

}  // namespace nexus::bridge_plugin
