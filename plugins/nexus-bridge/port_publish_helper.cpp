#include "plugins/nexus-bridge/port_publish_helper.h"

#include <nlohmann/json.hpp>

namespace nexus::bridge_plugin {
namespace {

std::string addresses_line(const std::vector<cni::IpConfig>& ips) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& ip : ips) addresses.push_back(ip.address.to_string());
  return addresses.dump();
}

std::vector<IpPrefix> parse_addresses(const std::string& line) {
  std::vector<IpPrefix> out;
  for (const auto& a : nlohmann::json::parse(line)) out.push_back(parse_prefix(a.get<std::string>(), "address"));
  return out;
}

}  // namespace

PortPublisher::PortPublisher(const nat::PublishTarget& target, std::vector<nat::PortMapping> mappings)
    : target_(target), mappings_(std::move(mappings)), job_("publish ports", [this](nat::Nft& nft, const std::string& line) {
        nat::publish_ports(nft, target_, mappings_, parse_addresses(line));
      }) {}

void PortPublisher::publish(const std::vector<cni::IpConfig>& ips) { job_.send(addresses_line(ips)); }

void PortPublisher::wait_published() { job_.wait(); }

void PortPublisher::undo() {
  job_.settle();
  nat::Nft nft;
  nat::unpublish_ports(nft, target_);
}

}  // namespace nexus::bridge_plugin
