#include "plugins/nexus-bridge/masquerade.h"

#include "shared/cni/error.h"
#include "shared/nat/masquerade.h"
#include "shared/nat/nft.h"
#include "shared/net/ip_prefix.h"
#include "shared/net/sysctl.h"

namespace nexus::bridge_plugin {
namespace {

struct Addresses {
  std::vector<net::IpPrefix> hosts;    // the container's addresses
  std::vector<net::IpPrefix> subnets;  // their subnets: traffic to these stays unmasqueraded
  bool v4 = false, v6 = false;
};

Addresses addresses_of(const std::vector<cni::IpConfig>& ips) {
  Addresses a;
  for (const auto& ip : ips) {
    const auto prefix = net::IpPrefix::parse(ip.address, "ips address");
    a.hosts.push_back(prefix);
    a.subnets.push_back(prefix.network());
    (ip.is_v6() ? a.v6 : a.v4) = true;
  }
  return a;
}

}  // namespace

void add_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips) {
  const Addresses a = addresses_of(ips);
  if (a.hosts.empty()) return;
  net::enable_forwarding(a.v4, a.v6);
  nat::add_masquerade(conf.net.name, a.hosts, a.subnets);
}

void remove_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips) {
  const Addresses a = addresses_of(ips);
  if (!a.hosts.empty()) nat::remove_masquerade(conf.net.name, a.hosts);
}

void check_masquerade(const BridgeConf& conf, const std::vector<cni::IpConfig>& ips) {
  nat::Nft nft;
  const auto missing = nat::missing_masquerade(nft, conf.net.name, addresses_of(ips).hosts);
  if (!missing.empty())
    throw cni::Error(cni::Code::Internal, "address " + missing.front().ip_string() + " is not masqueraded");
}

}  // namespace nexus::bridge_plugin
