#include "plugins/nexus-bridge/spoof_check_helper.h"

#include "plugins/nexus-bridge/spoof_checked_port.h"

namespace nexus::bridge_plugin {

SpoofCheckAdder::SpoofCheckAdder(const cni::Request& req)
    : port_(spoof_checked_port(req, "")), job_("add macspoofchk", [this](nat::Nft& nft, const std::string& mac) {
        nat::SpoofCheckedPort port = port_;
        port.mac = mac;
        nat::add_mac_spoof_check(nft, port);
      }) {}

void SpoofCheckAdder::add(const std::string& mac) {
  port_.mac = mac;
  job_.send(mac);
}

void SpoofCheckAdder::wait_added() { job_.wait(); }

void SpoofCheckAdder::undo() {
  job_.settle();
  nat::Nft nft;
  nat::remove_mac_spoof_check(nft, port_.port, port_.owner, port_.mac);
}

}  // namespace nexus::bridge_plugin
