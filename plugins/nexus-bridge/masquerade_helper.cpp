#include "plugins/nexus-bridge/masquerade_helper.h"

#include "plugins/nexus-bridge/bridge_conf.h"

namespace nexus::bridge_plugin {

MasqueradeAdder::MasqueradeAdder(const nat::MasqueradeTarget& target)
    : target_(target), job_("add masquerade", [this](nat::Nft& nft, const std::string& line) {
        nat::masquerade(nft, target_, addresses_of_line(line));
      }) {}

void MasqueradeAdder::add(const std::vector<cni::IpConfig>& ips) { job_.send(addresses_line(ips)); }

void MasqueradeAdder::wait_added() { job_.wait(); }

void MasqueradeAdder::undo(const std::vector<cni::IpConfig>& ips) {
  job_.settle();
  nat::Nft nft;
  nat::unmasquerade(nft, target_, masquerade_addresses(ips));
}

}  // namespace nexus::bridge_plugin
