#pragma once
// ADD's portMappings helper process (nft_job.h): it loads libnftables while IPAM runs,
// publishes the host ports (shared/nat/port_publish.h) once given the container's addresses, and closes its
// context after the plugin has answered. Start it while the plugin is still single-threaded.
#include <vector>

#include "plugins/nexus-bridge/nft_job.h"
#include "shared/cni/result.h"
#include "shared/nat/port_publish.h"

namespace nexus::bridge_plugin {

class PortPublisher {
 public:
  PortPublisher(const nat::PublishTarget& target, std::vector<nat::PortMapping> mappings);

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
