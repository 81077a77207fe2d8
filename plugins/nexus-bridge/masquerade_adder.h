#pragma once
// ADD's ipMasq step, in the plugin's own process: the container's masquerade elements (shared/nat/masquerade.h)
// go in by one netlink batch (well under a millisecond), which beats starting a helper process. Only a
// network's first ADD (and a stale element's replacement) loads libnftables, here too.
#include <optional>
#include <vector>

#include "shared/cni/result.h"
#include "shared/nat/masquerade.h"

namespace nexus::bridge_plugin {

class MasqueradeAdder {
 public:
  explicit MasqueradeAdder(const nat::MasqueradeTarget& target) : target_(target) {}

  /// Adds the elements of the container's addresses; throws (with nothing of ours added) on failure.
  void add(const std::vector<cni::IpConfig>& ips);
  /// Rolls add() back (a later step of the ADD failed): removes this attachment's elements; an element of the
  /// same address that is not (or no longer) ours stays.
  void undo(const std::vector<cni::IpConfig>& ips);

 private:
  nat::MasqueradeTarget target_;
  std::optional<nat::Nft> nft_;  // libnftables, only when the fast path cannot do it
};

}  // namespace nexus::bridge_plugin
