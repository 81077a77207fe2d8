#include "plugins/nexus-bridge/masquerade_helper.h"

#include <nlohmann/json.hpp>

#include "plugins/nexus-bridge/bridge_conf.h"

namespace nexus::bridge_plugin {
namespace {

std::string addresses_line(const std::vector<cni::IpConfig>& ips) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& ip : ips) addresses.push_back(ip.address.to_string());
  return addresses.dump();
}

std::vector<cni::IpConfig> parse_addresses(const std::string& line) {
  std::vector<cni::IpConfig> ips;
  for (const auto& address : nlohmann::json::parse(line))
    ips.push_back({.address = parse_prefix(address.get<std::string>(), "address")});
  return ips;
}

}  // namespace

MasqueradeAdder::MasqueradeAdder(const nat::MasqueradeTarget& target)
    : target_(target), job_("add masquerade", [this](nat::Nft& nft, const std::string& line) {
        nat::masquerade(nft, target_, masquerade_addresses(parse_addresses(line)));
      }) {}

void MasqueradeAdder::add(const std::vector<cni::IpConfig>& ips) { job_.send(addresses_line(ips)); }

void MasqueradeAdder::wait_added() { job_.wait(); }

void MasqueradeAdder::undo(const std::vector<cni::IpConfig>& ips) {
  job_.settle();
  nat::Nft nft;
  nat::unmasquerade(nft, target_, masquerade_addresses(ips));
}

}  // namespace nexus::bridge_plugin
