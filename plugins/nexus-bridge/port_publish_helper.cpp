#include "plugins/nexus-bridge/port_publish_helper.h"

namespace nexus::bridge_plugin {

namespace {

NftJob::Check early_check(const nat::PublishTarget& target, const std::vector<nat::PortMapping>& mappings,
                          std::optional<IpFamilies> families) {
  if (!families) return {};
  return [&target, &mappings, f = *families](nat::Nft& nft) {
    nat::require_ports_free(nft, target, mappings, f.v4, f.v6);
  };
}

}  // namespace

PortPublisher::PortPublisher(const nat::PublishTarget& target, std::vector<nat::PortMapping> mappings,
                             std::optional<IpFamilies> families)
    : target_(target),
      mappings_(std::move(mappings)),
      job_(
          "publish ports",
          [this](nat::Nft& nft, const std::string& line) {
            nat::publish_ports(nft, target_, mappings_, addresses_of_line(line));
          },
          early_check(target_, mappings_, families)) {}

void PortPublisher::require_free() { job_.wait_checked(); }

void PortPublisher::publish(const std::vector<cni::IpConfig>& ips) { job_.send(addresses_line(ips)); }

void PortPublisher::wait_published() { job_.wait(); }

void PortPublisher::undo() {
  job_.settle();
  nat::Nft nft;
  nat::unpublish_ports(nft, target_);
}

}  // namespace nexus::bridge_plugin
