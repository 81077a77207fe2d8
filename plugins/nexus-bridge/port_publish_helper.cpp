#include "plugins/nexus-bridge/port_publish_helper.h"

namespace nexus::bridge_plugin {

PortPublisher::PortPublisher(const nat::PublishTarget& target, std::vector<nat::PortMapping> mappings)
    : target_(target), mappings_(std::move(mappings)), job_("publish ports", [this](nat::Nft& nft, const std::string& line) {
        nat::publish_ports(nft, target_, mappings_, addresses_of_line(line));
      }) {}

void PortPublisher::publish(const std::vector<cni::IpConfig>& ips) { job_.send(addresses_line(ips)); }

void PortPublisher::wait_published() { job_.wait(); }

void PortPublisher::undo() {
  job_.settle();
  nat::Nft nft;
  nat::unpublish_ports(nft, target_);
}

}  // namespace nexus::bridge_plugin
