#include "shared/bridge_conf/bridge_conf.h"

#include <cctype>

#include "shared/base/error.h"
#include "shared/bridge_conf/port_mappings_conf.h"
#include "shared/cni/json_fields.h"
#include "shared/cni/validate.h"
#include "shared/net/host_veth_name.h"

namespace nexus::bridge_plugin {
namespace {

using nlohmann::json;

// ipMasqBackend: the reference picks iptables or nftables; Nexus masquerades with nftables only, so "iptables"
// is an option we do not implement (code 2, in every verb), anything else a bad value.
void check_masq_backend(const json& j) {
  const std::optional<std::string> backend = cni::opt_string(j, "ipMasqBackend");  // code 6 if not a string
  if (!backend || *backend == "nftables") return;
  if (*backend == "iptables")
    throw Error(Code::UnsupportedField, "unsupported field \"ipMasqBackend\": \"iptables\"",
                "nexus-bridge masquerades with nftables only: set \"ipMasqBackend\": \"nftables\" or leave it out");
  throw Error(Code::InvalidConfig, "invalid ipMasqBackend \"" + *backend + "\": must be \"nftables\" or \"iptables\"");
}

// runtimeConfig.dns (capability "dns") in the conventions' form: servers, searches, options. Its keys differ
// from the result's (nameservers, search); we keep it in the result's form.
cni::Dns parse_runtime_dns(const json& j) {
  if (!j.is_object())
    throw Error(Code::DecodeFailure, "field \"runtimeConfig.dns\" must be an object, got " + j.dump());
  cni::Dns dns;
  dns.nameservers = cni::opt_strings(j, "servers").value_or(std::vector<std::string>{});
  dns.search = cni::opt_strings(j, "searches").value_or(std::vector<std::string>{});
  dns.options = cni::opt_strings(j, "options").value_or(std::vector<std::string>{});
  return dns;
}

// nonMasqueradeCIDRs (the name of Kubernetes' ip-masq-agent for the same list): CIDRs of either family; a
// non-list or a non-string entry is code 6, text that is not "<address>/<length>" code 7. Host bits are ignored.
std::vector<IpPrefix> parse_non_masquerade_cidrs(const json& j) {
  std::vector<IpPrefix> out;
  for (const std::string& text : cni::opt_strings(j, "nonMasqueradeCIDRs").value_or(std::vector<std::string>{}))
    out.push_back(parse_prefix(text, "nonMasqueradeCIDRs entry").masked());
  return out;
}

std::optional<std::string> requested_mac(const cni::Request& req, const cni::NetConf& net) {
  std::optional<std::string> text;
  std::string source;
  if (auto m = req.args.get("MAC")) text = *m, source = "CNI_ARGS MAC";
  if (auto cni_args = cni::opt_object(net.args, "cni"))
    if (auto m = cni::opt_string(*cni_args, "mac")) text = *m, source = "args.cni.mac";
  if (auto m = cni::opt_string(net.runtime_config, "mac")) text = *m, source = "runtimeConfig.mac";
  if (!text) return std::nullopt;
  auto mac = normalize_mac(*text);
  if (!mac)
    throw Error(source == "CNI_ARGS MAC" ? Code::InvalidEnv : Code::InvalidConfig,
                "invalid " + source + " \"" + *text + "\": not a unicast Ethernet address");
  return mac;
}

}  // namespace

std::optional<std::string> normalize_mac(const std::string& text) {
  if (text.size() != 17) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i % 3 == 2) {
      if (c != ':' && c != '-') return std::nullopt;
      out += ':';
    } else {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  const int first = std::stoi(out.substr(0, 2), nullptr, 16);
  if (first & 1) return std::nullopt;  // multicast bit: not an interface address
  if (out == "00:00:00:00:00:00") return std::nullopt;
  return out;
}

BridgeConf BridgeConf::parse(const cni::Request& req) {
  BridgeConf c;
  c.net = cni::NetConf::parse(req);
  const json& j = req.config;
  check_masq_backend(j);
  if (auto b = cni::opt_string(j, "bridge"); b && !b->empty()) c.bridge = *b;
  if (!cni::is_valid_ifname(c.bridge))
    throw Error(Code::InvalidConfig, "invalid bridge \"" + c.bridge + "\": not a valid interface name");
  c.is_default_gateway = cni::opt_bool(j, "isDefaultGateway").value_or(false);
  c.is_gateway = cni::opt_bool(j, "isGateway").value_or(false) || c.is_default_gateway;
  c.vlans = VlanConf::parse(j);
  // The reference's name for the VLAN gateway interface: refused here if the bridge's name leaves no room.
  if (c.is_gateway && c.vlans.vlan != 0 && !cni::is_valid_ifname(gateway_link_name(c)))
    throw Error(Code::InvalidConfig, "invalid bridge \"" + c.bridge + "\" with isGateway and vlan " +
                                         std::to_string(c.vlans.vlan) + ": the gateway interface \"" +
                                         gateway_link_name(c) + "\" would be longer than 15 characters");
  c.force_address = cni::opt_bool(j, "forceAddress").value_or(false);
  c.ip_masq = cni::opt_bool(j, "ipMasq").value_or(false);
  c.hairpin_mode = cni::opt_bool(j, "hairpinMode").value_or(false);
  c.promisc_mode = cni::opt_bool(j, "promiscMode").value_or(false);
  // The reference refuses the pair too: they are two ways to one end (kubelet's hairpin modes
  // "hairpin-veth" and "promiscuous-bridge"), so a config asking for both is a mistake.
  if (c.hairpin_mode && c.promisc_mode)
    throw Error(Code::InvalidConfig, "hairpinMode and promiscMode cannot both be true",
                "they are alternative ways to let a container reach itself through the bridge: set one");
  c.enable_dad = cni::opt_bool(j, "enabledad").value_or(false);
  c.port_isolation = cni::opt_bool(j, "portIsolation").value_or(false);
  c.mac_spoof_check = cni::opt_bool(j, "macspoofchk").value_or(false);
  // DEL removes masquerade elements by owner and needs no list: a bad one must not stop it.
  if (req.command != "DEL") c.non_masquerade_cidrs = parse_non_masquerade_cidrs(j);
  c.mtu = cni::opt_uint(j, "mtu");
  if (c.mtu && (*c.mtu < 68 || *c.mtu > 65535))
    throw Error(Code::InvalidConfig, "invalid mtu " + std::to_string(*c.mtu) + ": must be 68 to 65535");
  c.disable_container_interface = cni::opt_bool(j, "disableContainerInterface").value_or(false);
  // As the reference: an interface left down cannot hold addresses, so asking for both is a mistake.
  if (c.disable_container_interface && !c.net.ipam_type.empty())
    throw Error(Code::InvalidConfig, "disableContainerInterface cannot be used with ipam",
                "the container interface is left down and gets no addresses: remove ipam or the option");
  if ((c.is_gateway || c.ip_masq) && c.net.ipam_type.empty())
    throw Error(Code::InvalidConfig, "missing ipam.type: isGateway and ipMasq need addresses from an IPAM plugin");
  req.args.reject_unknown({"IP", "MAC"});  // in every verb, as the reference; IP= is for the IPAM plugin
  // DEL is best effort (spec 1.1): a MAC request, which only an ADD uses, must not stop it.
  if (req.command != "DEL") c.mac = requested_mac(req, c.net);
  if (c.net.runtime_config.contains("dns") && !c.net.runtime_config["dns"].is_null())
    c.runtime_dns = parse_runtime_dns(c.net.runtime_config["dns"]);
  // DEL removes the attachment's mappings by owner and needs no list: a bad one must not stop it.
  if (req.command != "DEL" && c.net.runtime_config.contains("portMappings") &&
      !c.net.runtime_config["portMappings"].is_null())
    c.port_mappings = parse_port_mappings(c.net.runtime_config["portMappings"]);
  if (j.contains("capabilities") && j["capabilities"].is_object()) {  // libcni's business: never refused here
    const json& caps = j["capabilities"];
    c.publishes_ports = caps.contains("portMappings") && caps["portMappings"] == true;
  }
  c.publishes_ports = c.publishes_ports || c.net.runtime_config.contains("portMappings");
  if (!c.port_mappings.empty() && c.net.ipam_type.empty())
    throw Error(Code::InvalidConfig, "missing ipam.type: portMappings need the container's addresses from an IPAM plugin");
  return c;
}

nat::MasqueradeTarget masquerade_target(const BridgeConf& conf, const cni::Request& req) {
  return {.network = conf.net.name, .bridge = gateway_link_name(conf),
          .owner = nat::owner_of(req.container_id, req.ifname), .never_masqueraded = conf.non_masquerade_cidrs};
}

nat::PublishTarget publish_target(const BridgeConf& conf, const cni::Request& req) {
  return {.network = conf.net.name, .bridge = gateway_link_name(conf),
          .owner = nat::owner_of(req.container_id, req.ifname)};
}

nat::SpoofCheckedPort spoof_checked_port(const cni::Request& req, const std::string& mac) {
  return {.port = net::host_veth_name(req.container_id, req.ifname),
          .mac = mac,
          .owner = nat::owner_of(req.container_id, req.ifname)};
}

bool routes_through_host(const BridgeConf& conf) { return conf.is_gateway || conf.ip_masq; }

std::string gateway_link_name(const BridgeConf& conf) {
  return conf.is_gateway && conf.vlans.vlan != 0 ? vlan_gateway_name(conf.bridge, conf.vlans.vlan) : conf.bridge;
}

std::vector<IpPrefix> masquerade_addresses(const std::vector<cni::IpConfig>& ips) {
  std::vector<IpPrefix> out;
  for (const auto& ip : ips) out.push_back(ip.address);
  return out;
}

}  // namespace nexus::bridge_plugin
