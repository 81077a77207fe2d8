#pragma once
// nexus-bridge's configuration: the reference bridge plugin's keys (so its conflists work unchanged), the MAC
// requests from CNI_ARGS / args / runtimeConfig, and the DNS capability.
#include <optional>
#include <string>

#include <vector>

#include "shared/bridge_conf/vlan_conf.h"
#include "shared/cni/net_conf.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"
#include "shared/nat/mac_spoof_check.h"
#include "shared/nat/masquerade.h"
#include "shared/nat/port_publish.h"

namespace nexus::bridge_plugin {

inline constexpr const char* kDefaultBridge = "nexus0";

struct BridgeConf {
  cni::NetConf net;
  std::string bridge = kDefaultBridge;
  bool is_gateway = false;
  bool is_default_gateway = false;
  bool force_address = false;
  bool ip_masq = false;
  bool hairpin_mode = false;
  bool promisc_mode = false;
  bool enable_dad = false;
  bool port_isolation = false;               // portIsolation: the host veth is an isolated bridge port
  bool mac_spoof_check = false;              // macspoofchk: drop the container's frames with a foreign source MAC
  // nonMasqueradeCIDRs: with ipMasq, destinations whose traffic keeps the container's address (a cluster's pod
  // CIDR), beside the container's own subnets. Not parsed by DEL, which removes elements by owner.
  std::vector<IpPrefix> non_masquerade_cidrs;
  bool disable_container_interface = false;  // container interface left down (L2 only: no ipam)
  std::optional<unsigned> mtu;               // unset: cmd_add takes the host's default-route interface's
  std::optional<std::string> mac;       // requested container MAC, normalised "aa:bb:cc:dd:ee:ff"
  std::optional<cni::Dns> runtime_dns;  // runtimeConfig.dns (capability "dns": servers, searches, options)
  VlanConf vlans;                       // vlan, vlanTrunk, preserveDefaultVlan (vlan_conf.h)
  // runtimeConfig.portMappings (capability "portMappings"): the host ports to publish (port_mappings_conf.h).
  // libcni passes the key only when the plugin declares the capability; an empty list publishes nothing.
  std::vector<nat::PortMapping> port_mappings;
  // The network publishes ports: the plugin declares capability portMappings or the request carries
  // runtimeConfig.portMappings. DEL then removes the attachment's mappings (by owner; it needs no list).
  bool publishes_ports = false;

  /// Parses and validates everything before any side effect: code 6 wrong types, 7 bad values, 2 for keys of
  /// the reference plugin this one does not implement (message names key and value), 4 for bad CNI_ARGS.
  static BridgeConf parse(const cni::Request& req);
};

/// ipMasq's target for this attachment (shared/nat/masquerade.h): the network, the interface its traffic comes
/// in by (the bridge; "<bridge>.<vlan>" when isGateway puts the gateway there), and the owner
/// "<containerID>/<ifname>".
nat::MasqueradeTarget masquerade_target(const BridgeConf& conf, const cni::Request& req);
/// Port publishing's target for this attachment: the network, the gateway interface (as ipMasq's), the owner.
nat::PublishTarget publish_target(const BridgeConf& conf, const cni::Request& req);
/// macspoofchk's port for this attachment (shared/nat/mac_spoof_check.h): its host veth, the container
/// interface's `mac` (may be empty where only the owner matters, as in DEL), owner "<containerID>/<ifname>".
nat::SpoofCheckedPort spoof_checked_port(const cni::Request& req, const std::string& mac);
/// The host interface holding the gateway with isGateway: the bridge, or "<bridge>.<vlan>" with `vlan`.
std::string gateway_link_name(const BridgeConf& conf);
/// Whether the host routes the network's traffic (isGateway or ipMasq): then another firewall's FORWARD policy
/// stands in its way (shared/neighbours/docker_user_chain.h).
bool routes_through_host(const BridgeConf& conf);
/// The container's addresses (with prefix lengths) as the masquerade functions take them.
std::vector<IpPrefix> masquerade_addresses(const std::vector<cni::IpConfig>& ips);

/// Normalises a unicast Ethernet MAC ("AA-bb-..."/"aa:bb:..") to lower-case colon form; nullopt when invalid.
std::optional<std::string> normalize_mac(const std::string& text);

}  // namespace nexus::bridge_plugin
