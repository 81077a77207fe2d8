// nexus firewall-reload: after a firewall reload (`nft flush ruleset` by nftables.service or firewalld) took
// Nexus's tables while containers kept running, re-create what nexus-bridge's ADD made for every live attachment
// (netavark's `firewall-reload`). conf/nexus-firewall-reload.service runs it after such reloads.
//
// The attachments come from libcni's result cache (any runtime's) and the launcher's nodes
// (attachment_sources.h). Each nexus-bridge plugin of an attachment's configuration is parsed exactly as the
// plugin parses it (shared/bridge_conf), and what it set up is restored by the same nat:: functions the plugin
// uses, by owner "<containerID>/<ifname>":
// - only for a live attachment: its host veth (named from containerID and ifname, as the plugin names it) is
//   on the configuration's bridge and, when the cache recorded its MAC, still has it. A dead one is skipped: its
//   elements would be garbage, and DEL or GC will come for the rest;
// - never touching another owner's element: a key someone else holds is reported and left alone;
// - idempotently: what is there stays, and a run that finds nothing lost changes nothing and says so.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "launcher/attachment_sources.h"
#include "launcher/commands.h"
#include "launcher/launcher_error.h"
#include "shared/base/error.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/nat/mac_spoof_check.h"
#include "shared/nat/masquerade.h"
#include "shared/nat/nft.h"
#include "shared/nat/port_publish.h"
#include "shared/neighbours/docker_user_chain.h"
#include "shared/net/host_veth_name.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"
#include "shared/runtime/cni_runtime.h"
#include "shared/runtime/conflist.h"

namespace nexus::launcher {
namespace {
using bridge_plugin::BridgeConf;

// One nexus-bridge plugin of one recorded attachment, parsed as the plugin parses its request.
struct BridgeAttachment {
  cni::Request req;
  BridgeConf conf;
};

// What a run did, for the summary line.
struct Tally {
  int restored = 0, intact = 0, skipped = 0, failed = 0;
};

// The request the plugin got (SPEC "Deriving request configuration"), with the cached result as prevResult as
// CHECK has it. Parsed as CHECK: portMappings and the MAC request are read, as in ADD.
BridgeAttachment parse_bridge(const runtime::CachedAttachment& a, const nlohmann::json& plugin,
                              const std::string& version) {
  BridgeAttachment b;
  b.req.command = "CHECK";
  b.req.container_id = a.container_id;
  b.req.netns = a.netns;
  b.req.ifname = a.ifname;
  b.req.args = cni::CniArgs::parse(runtime::format_cni_args(a.cni_args));
  b.req.config = runtime::derive_request(plugin, a.network, version, a.capability_args, a.result);
  b.req.stdin_data = b.req.config.dump();
  b.req.cni_version = version;
  b.conf = BridgeConf::parse(b.req);
  return b;
}

bool sets_up_firewall(const BridgeConf& c) { return c.ip_masq || !c.port_mappings.empty() || c.mac_spoof_check; }

const cni::Interface* find_interface(const cni::Result& r, const std::string& name, bool in_sandbox) {
  for (const cni::Interface& i : r.interfaces)
    if (i.name == name && i.sandbox.empty() != in_sandbox) return &i;
  return nullptr;
}

// The container's netns: the cache's, else the result's sandbox of the interface (libcni 1.1, which the interop
// tests use, caches no netns).
std::string container_netns(const BridgeAttachment& b) {
  if (!b.req.netns.empty()) return b.req.netns;
  const cni::Interface* i = find_interface(*b.conf.net.prev_result, b.req.ifname, true);
  return i != nullptr ? i->sandbox : "";
}

// Why the container's side is not what the cache recorded, or empty: when the cache has the container
// interface's MAC and its netns, that interface there still has it.
std::string why_container_dead(const BridgeAttachment& b) {
  const cni::Interface* cached = find_interface(*b.conf.net.prev_result, b.req.ifname, true);
  const std::string netns = container_netns(b);
  if (cached == nullptr || cached->mac.empty() || netns.empty()) return "";
  std::optional<net::Sockets> nl;
  try {
    nl.emplace(net::Sockets::open(netns));
  } catch (const Error&) {
    return "netns " + netns + " is gone";
  }
  const auto link = net::find_link(nl->container, b.req.ifname);
  if (!link) return "interface " + b.req.ifname + " is gone from netns " + netns;
  if (link->mac != cached->mac)
    return "interface " + b.req.ifname + " has MAC " + link->mac + ", the cache recorded " + cached->mac;
  return "";
}

// Why the attachment is not alive, or empty when it is: its host veth on its bridge, with the cached MACs.
std::string why_dead(const net::NlSocket& host, const BridgeAttachment& b) {
  const std::string veth_name = net::host_veth_name(b.req.container_id, b.req.ifname);
  const auto veth = net::find_link(host, veth_name);
  if (!veth) return "host veth " + veth_name + " is gone";
  const auto bridge = net::find_link(host, b.conf.bridge);
  if (!bridge || bridge->kind != "bridge") return "bridge " + b.conf.bridge + " is gone";
  if (veth->master != bridge->index) return "host veth " + veth_name + " is not on bridge " + b.conf.bridge;
  const cni::Interface* cached = find_interface(*b.conf.net.prev_result, veth_name, false);
  if (cached && !cached->mac.empty() && cached->mac != veth->mac)
    return "host veth " + veth_name + " has MAC " + veth->mac + ", the cache recorded " + cached->mac;
  return why_container_dead(b);
}

// The container interface's MAC for macspoofchk: the cache's (checked by why_dead), else the interface's own.
std::string container_mac(const BridgeAttachment& b) {
  if (const cni::Interface* i = find_interface(*b.conf.net.prev_result, b.req.ifname, true); i && !i->mac.empty())
    return i->mac;
  const net::Sockets nl = net::Sockets::open(container_netns(b));
  if (auto link = net::find_link(nl.container, b.req.ifname)) return link->mac;
  throw Error(Code::Internal, "interface " + b.req.ifname + " is missing in " + container_netns(b));
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// What was re-created and what another owner holds, in words.
struct Restored {
  std::vector<std::string> done, foreign;
};

void restore_masquerade(nat::Nft& nft, const BridgeAttachment& b, Restored& out) {
  const nat::MasqueradeTarget target = bridge_plugin::masquerade_target(b.conf, b.req);
  const auto addresses = bridge_plugin::masquerade_addresses(b.conf.net.prev_result->ips);
  const nat::MasqueradeRestore r = nat::restore_masquerade(nft, target, addresses);
  std::vector<std::string> texts;
  for (const IpPrefix& a : r.restored) texts.push_back(a.address().to_string());
  if (!texts.empty()) out.done.push_back("masquerade of " + join(texts) + " on " + target.bridge);
  else if (r.hook_restored) out.done.push_back("masquerade chain from_bridges");
  for (const auto& [a, owner] : r.foreign)
    out.foreign.push_back("masquerade of " + a.address().to_string() + " on " + target.bridge + " (" + owner + ")");
}

void restore_ports(nat::Nft& nft, const BridgeAttachment& b, Restored& out) {
  const nat::PublishTarget target = bridge_plugin::publish_target(b.conf, b.req);
  const auto addresses = bridge_plugin::masquerade_addresses(b.conf.net.prev_result->ips);
  if (nat::find_unpublished(nft, target, b.conf.port_mappings, addresses).empty()) return;
  std::vector<std::string> texts;
  for (const nat::PortMapping& m : b.conf.port_mappings) texts.push_back(nat::host_side_text(m));
  try {
    nat::publish_ports(nft, target, b.conf.port_mappings, addresses);  // replaces only this owner's elements
    out.done.push_back("portMappings " + join(texts));
  } catch (const Error& e) {
    if (e.code() != Code::PortAlreadyPublished) throw;
    out.foreign.push_back(std::string("a host port: ") + e.what());  // nothing changed
  }
}

// The port is this attachment's live host veth: an element of another owner for it is stale, as in ADD.
void restore_spoof_check(nat::Nft& nft, const BridgeAttachment& b, Restored& out) {
  const nat::SpoofCheckedPort port = bridge_plugin::spoof_checked_port(b.req, container_mac(b));
  if (nat::find_mac_spoof_check_gap(nft, port).empty()) return;
  nat::add_mac_spoof_check(nft, port);
  out.done.push_back("macspoofchk of " + port.port);
}

// Docker's user chain (a restart of dockerd with its rules restored from elsewhere, an `iptables -F DOCKER-USER`)
// lost the rules passing the attachment's bridge: put them back. The first attachment of a bridge does it.
void restore_docker_user(const BridgeAttachment& b, Restored& out) {
  const std::string interface = bridge_plugin::gateway_link_name(b.conf);
  if (neighbours::find_docker_user_gap(interface).empty()) return;
  neighbours::pass_docker_user_chains(interface);
  out.done.push_back("the rules passing " + interface + " in iptables chain " + neighbours::kDockerUserChain);
}

// Restores one live attachment's objects and prints its line.
void restore(std::optional<nat::Nft>& nft, const BridgeAttachment& b, const std::string& who, Tally& tally) {
  if (!nft) nft.emplace();
  Restored out;
  if (b.conf.ip_masq) restore_masquerade(*nft, b, out);
  if (!b.conf.port_mappings.empty()) restore_ports(*nft, b, out);
  if (b.conf.mac_spoof_check) restore_spoof_check(*nft, b, out);
  if (bridge_plugin::routes_through_host(b.conf)) restore_docker_user(b, out);
  std::string line;
  if (!out.done.empty()) line = "restored " + who + ": " + join(out.done), ++tally.restored;
  else if (!out.foreign.empty()) line = "not restored " + who, ++tally.skipped;
  else line = "intact " + who + ": nothing lost", ++tally.intact;
  if (!out.foreign.empty()) line += (out.done.empty() ? ": " : "; ") + ("another owner holds " + join(out.foreign));
  std::printf("%s\n", line.c_str());
}

// One recorded attachment: the line of each nexus-bridge plugin of its configuration that sets up nftables.
void reload_attachment(const net::NlSocket& host, std::optional<nat::Nft>& nft,
                       const runtime::CachedAttachment& a, Tally& tally) {
  const std::string who = a.container_id + "/" + a.ifname + " (network " + a.network + ")";
  const auto skip = [&](const std::string& why) {
    std::printf("skipped %s: %s\n", who.c_str(), why.c_str());
    ++tally.skipped;
  };
  runtime::NetworkConfigList list;
  try {
    list = runtime::parse_conflist(a.config, "the cache of " + who);
  } catch (const Error& e) {  // another runtime's entry we cannot read cannot be ours either
    return skip(std::string("its cached configuration does not parse: ") + e.what());
  }
  const std::string version =
      a.result.is_object() ? a.result.value("cniVersion", list.cni_version) : list.cni_version;
  bool ours = false;
  for (const nlohmann::json& plugin : list.plugins) {
    if (plugin.value("type", "") != "nexus-bridge") continue;
    const BridgeAttachment b = parse_bridge(a, plugin, version);
    if (!sets_up_firewall(b.conf)) continue;
    ours = true;
    if (!b.conf.net.prev_result) {
      skip("the cache holds no result to restore from");
      continue;
    }
    if (const std::string dead = why_dead(host, b); !dead.empty()) {
      skip("not alive, " + dead);
      continue;
    }
    restore(nft, b, who, tally);
  }
  if (!ours) skip("no nexus-bridge with ipMasq, portMappings or macspoofchk");
}

}  // namespace

int firewall_reload(const Context& ctx) {
  const net::NlSocket host = net::NlSocket::open();
  std::optional<nat::Nft> nft;  // libnftables, once an attachment needs it
  Tally tally;
  for (const runtime::CachedAttachment& a : recorded_attachments(ctx)) {
    try {
      reload_attachment(host, nft, a, tally);
    } catch (const std::exception& e) {
      ++tally.failed;
      std::fprintf(stderr, "nexus: firewall-reload: %s/%s (network %s): %s\n", a.container_id.c_str(),
                   a.ifname.c_str(), a.network.c_str(), e.what());
      if (const std::string hint = hint_of(e); !hint.empty()) std::fprintf(stderr, "  %s\n", hint.c_str());
    }
  }
  if (tally.restored == 0 && tally.failed == 0)
    std::printf("firewall-reload: nothing restored, nothing changed (%d intact, %d skipped)\n", tally.intact,
                tally.skipped);
  else
    std::printf("firewall-reload: %d restored, %d intact, %d skipped, %d failed\n", tally.restored, tally.intact,
                tally.skipped, tally.failed);
  return tally.failed == 0 ? 0 : 1;
}

}  // namespace nexus::launcher
