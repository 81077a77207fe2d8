#pragma once
// ADD's portMappings helper process (nft_job.h): it loads libnftables while IPAM runs, publishes the
// host ports (shared/nat/port_publish.h) once given the container's addresses, and closes its context after the
// plugin has answered. Start it while the plugin is still single-threaded.
//
// When the families the container will get are known before IPAM runs (ipam_families.h), the helper first checks,
// as soon as its context is open, that no other owner holds the host ports, and answers that at once: the plugin
// waits for it just before IPAM acts, so a refused ADD leaves IPAM's store as it was. Two ADDs racing for a port
// may both pass it; publish()'s own check still refuses one of them, after IPAM, and the ADD rolls back.
#include <optional>
#include <vector>

#include "plugins/nexus-bridge/ipam_families.h"
#include "plugins/nexus-bridge/nft_job.h"
#include "shared/cni/result.h"
#include "shared/nat/port_publish.h"

namespace nexus::bridge_plugin {

class PortPublisher {
 public:
  /// `families`: those IPAM will give, for the early check; nullopt: unknown, no early check.
  PortPublisher(const nat::PublishTarget& target, std::vector<nat::PortMapping> mappings,
                std::optional<IpFamilies> families);

  /// Before IPAM acts: throws the helper's error (101 for a port another owner holds) when the early check
  /// refused. Returns at once without an early check.
  void require_free();
  /// Hands over the container's addresses; the helper publishes while the plugin carries on.
  void publish(const std::vector<cni::IpConfig>& ips);
  /// Waits until the ports are published; re-throws the helper's error (101 for a port another owner holds).
  void wait_published();
  /// Rolls publish() back (a later step of the ADD failed): waits for the helper, then removes this
  /// attachment's elements, by owner; another owner's stay.
  void undo();

 private:
  nat::PublishTarget target_;
  std::vector<nat::PortMapping> mappings_;
  NftJob job_;
};

}  // namespace nexus::bridge_plugin
