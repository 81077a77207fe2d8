#pragma once
// Attachments nexus made whose node is gone but whose CNI DEL failed (`node delete --force`, a rollback): the
// record of what to release, kept under state-dir/pending-releases/ so that `nexus gc` can retry the DEL even
// after the network's last node is gone. These are the only attachments without a node that nexus may release:
// everything else on a network may belong to another runtime sharing it.
#include <optional>
#include <string>
#include <vector>

#include "shared/runtime/node_store.h"

namespace nexus::runtime {

class PendingReleases {
 public:
  /// `state_dir` is the node store's directory.
  explicit PendingReleases(const std::string& state_dir) : dir_(state_dir + "/pending-releases") {}

  /// Records the node's attachment (network, its configuration, containerID, ifname, CNI args), atomically.
  void add(const NodeRecord& node) const;
  /// The pending attachment with this owner, if any.
  std::optional<NodeRecord> find(const std::string& network, const std::string& container_id,
                                 const std::string& ifname) const;
  /// Every readable pending attachment.
  std::vector<NodeRecord> list() const;
  /// Forgets one (after its DEL succeeded); idempotent.
  void remove(const NodeRecord& node) const;

 private:
  std::string path(const std::string& network, const std::string& container_id, const std::string& ifname) const;
  std::string dir_;
};

}  // namespace nexus::runtime
