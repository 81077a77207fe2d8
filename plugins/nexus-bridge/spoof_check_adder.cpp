#include "plugins/nexus-bridge/spoof_check_adder.h"

#include "shared/bridge_conf/bridge_conf.h"

namespace nexus::bridge_plugin {

SpoofCheckAdder::SpoofCheckAdder(const cni::Request& req) : port_(spoof_checked_port(req, "")) {}

void SpoofCheckAdder::add(const std::string& mac) {
  port_.mac = mac;
  nat::add_mac_spoof_check(nft_, port_);
}

void SpoofCheckAdder::undo() { nat::remove_mac_spoof_check(nft_, port_.port, port_.owner, port_.mac); }

}  // namespace nexus::bridge_plugin
