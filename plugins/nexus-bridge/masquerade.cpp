#include "plugins/nexus-bridge/masquerade.h"

#include <cstdio>

#include "shared/base/error.h"
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

// "<containerID>/<ifname>"; an ifname with characters an nft comment would need escaped goes in hex.
std::string owner_tag(const std::string& container_id, const std::string& ifname) {
  bool plain = true;
  for (const char c : ifname)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (plain) return container_id + "/" + ifname;
  std::string hex = "0x";
  char buf[3];
  for (const unsigned char c : ifname) std::snprintf(buf, sizeof buf, "%02x", c), hex += buf;
  return container_id + "/" + hex;
}

}  // namespace

void add_masquerade(nat::Nft& nft, const BridgeConf& conf, const cni::Request& req,
                    const std::vector<cni::IpConfig>& ips) {
  const Addresses a = addresses_of(ips);
  if (a.hosts.empty()) return;
  net::enable_forwarding(a.v4, a.v6);
  nat::add_masquerade(nft, conf.net.name, conf.bridge, a.hosts, a.subnets, owner_tag(req.container_id, req.ifname));
}

void remove_masquerade(nat::Nft& nft, const BridgeConf& conf, const cni::Request& req,
                       const std::vector<cni::IpConfig>& ips) {
  nat::remove_masquerade(nft, conf.net.name, conf.bridge, owner_tag(req.container_id, req.ifname),
                         addresses_of(ips).hosts);
}

void check_masquerade(const BridgeConf& conf, const cni::Request& req, const std::vector<cni::IpConfig>& ips) {
  nat::Nft nft;
  const auto missing = nat::not_masqueraded(nft, conf.net.name, conf.bridge, owner_tag(req.container_id, req.ifname),
                                            addresses_of(ips).hosts);
  if (!missing.empty())
    throw Error(Code::Internal, "address " + missing.front().ip_string() + " is not masqueraded for " +
                                              req.container_id + "/" + req.ifname + " on " + conf.bridge);
}

void gc_masquerade(const BridgeConf& conf, const std::vector<cni::Attachment>& valid) {
  std::vector<std::string> keep;
  for (const auto& a : valid) keep.push_back(owner_tag(a.container_id, a.ifname));
  nat::Nft nft;
  nat::gc_masquerade(nft, conf.net.name, keep);
}

}  // namespace nexus::bridge_plugin
