#include "shared/net/bridge.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>

#include "shared/base/error.h"
#include "shared/net/bridge_vlan.h"
#include "shared/net/nl_error.h"
#include "shared/net/nl_request.h"
#include "shared/util/fnv1a.h"

namespace nexus::net {

// The kernel default forward delay is 15 s; with STP off it does not delay forwarding, but 0 states intent and
// keeps the bridge usable at once if someone turns STP on.
NlMsgPtr bridge_create_message(const std::string& name, const BridgeOptions& options) {
  ifinfomsg header{};
  header.ifi_flags = IFF_UP | (options.promisc ? unsigned{IFF_PROMISC} : 0u);
  header.ifi_change = header.ifi_flags;
  NlMsgPtr msg = link_message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, header);
  nl_msg* m = msg.get();
  check_put(nla_put_string(m, IFLA_IFNAME, name.c_str()), "IFLA_IFNAME");
  const std::array<unsigned char, 6> mac = bridge_mac(name);
  check_put(nla_put(m, IFLA_ADDRESS, static_cast<int>(mac.size()), mac.data()), "IFLA_ADDRESS");
  if (options.mtu) check_put(nla_put_u32(m, IFLA_MTU, *options.mtu), "IFLA_MTU");
  const LinkInfoNest nest = begin_link_info(m, "bridge");
  check_put(nla_put_u32(m, IFLA_BR_FORWARD_DELAY, 0), "IFLA_BR_FORWARD_DELAY");
  check_put(nla_put_u32(m, IFLA_BR_STP_STATE, 0), "IFLA_BR_STP_STATE");
  // A kernel without VLAN filtering refuses the whole request (EOPNOTSUPP): no bridge is left behind.
  if (options.vlan_filtering) check_put(nla_put_u8(m, IFLA_BR_VLAN_FILTERING, 1), "IFLA_BR_VLAN_FILTERING");
  end_link_info(m, nest);
  return msg;
}

Link ensure_bridge(const NlSocket& sock, const std::string& name, const BridgeOptions& options) {
  if (name.empty() || name.size() >= IFNAMSIZ || name.find_first_of("/ \t\n:") != std::string::npos) {
    throw Error(Code::InvalidConfig, "invalid bridge name '" + name + "'");
  }
  if (std::optional<Link> existing = find_link(sock, name)) return adopt_bridge(sock, *existing, options);
  // NLM_F_EXCL makes creation the arbiter between racing processes: one wins, the others get EEXIST and use
  // the winner's bridge, which the same request already brought up.
  const int err = send_and_wait_ack(sock, bridge_create_message(name, options));
  if (err == -NLE_OPNOTSUPP && options.vlan_filtering) throw vlan_filtering_unsupported(name);
  if (err < 0 && err != -NLE_EXIST) throw nl_error("create", "bridge", name, err);
  if (std::optional<Link> link = find_link(sock, name)) return adopt_bridge(sock, *link, options);
  throw nl_error("create", "bridge", name, -NLE_OBJ_NOTFOUND);  // created and deleted at once by someone else
}

Link adopt_bridge(const NlSocket& sock, const Link& link, const BridgeOptions& options) {
  if (link.kind != "bridge") {
    throw Error(Code::InvalidConfig, "bridge '" + link.name + "': an interface of that name exists and is " +
                                                   (link.kind.empty() ? "not a bridge" : "a " + link.kind + ", not a bridge"));
  }
  if (options.vlan_filtering) {
    // Checked before anything else changes, so that a refusal leaves the bridge as it was.
    const std::optional<BridgeVlanState> vlans = bridge_vlan_state(sock, link.index);
    if (!vlans || !vlans->supported) throw vlan_filtering_unsupported(link.name);
    if (!vlans->filtering) enable_vlan_filtering(sock, link);
  }
  const bool needs_promisc = options.promisc && (link.flags & IFF_PROMISC) == 0;
  if (needs_promisc) set_promisc(sock, link.index);
  if (!link.is_up()) set_up(sock, link.index);
  if (needs_promisc || !link.is_up()) return get_link(sock, link.index);
  return link;
}

std::array<unsigned char, 6> bridge_mac(const std::string& name) {
  const uint64_t hash = fnv1a(name);
  std::array<unsigned char, 6> mac{};
  for (size_t i = 0; i < mac.size(); ++i) mac[i] = static_cast<unsigned char>(hash >> (8 * i));
  mac[0] = static_cast<unsigned char>((mac[0] & 0xfc) | 0x02);  // locally administered, unicast
  return mac;
}

NlMsgPtr port_flag_message(int port_index, int attr, bool on) {
  ifinfomsg header{};
  header.ifi_family = AF_BRIDGE;
  header.ifi_index = port_index;
  NlMsgPtr msg = link_message(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, header);
  // The bridge only parses IFLA_PROTINFO as port attributes when it is marked nested.
  nlattr* protinfo = nla_nest_start(msg.get(), IFLA_PROTINFO | NLA_F_NESTED);
  check_put(protinfo == nullptr ? -NLE_NOMEM : 0, "IFLA_PROTINFO");
  check_put(nla_put_u8(msg.get(), attr, on ? 1 : 0), "IFLA_BRPORT_*");
  nla_nest_end(msg.get(), protinfo);
  return msg;
}

void set_hairpin(const NlSocket& sock, int port_index, bool on) {
  send_or_throw(sock, port_flag_message(port_index, IFLA_BRPORT_MODE, on), "set hairpin mode on", "bridge port",
                "#" + std::to_string(port_index));
}

void set_port_isolated(const NlSocket& sock, int port_index, bool on) {
  send_or_throw(sock, port_flag_message(port_index, IFLA_BRPORT_ISOLATED, on), "set isolation on", "bridge port",
                "#" + std::to_string(port_index));
}

std::optional<bool> port_isolated(const NlSocket& sock, int port_index) {
  if (port_index <= 0) return std::nullopt;
  const NlMsgPtr reply = get_link_reply(sock, port_index, "link");
  if (!reply) return std::nullopt;
  // The port's bridge attributes come in IFLA_LINKINFO's slave data, as `ip -d link` shows them (the AF_BRIDGE
  // IFLA_PROTINFO view needs a dump of every port).
  nlattr* link[IFLA_MAX + 1] = {};
  nlattr* info[IFLA_INFO_MAX + 1] = {};
  nlattr* port[IFLA_BRPORT_MAX + 1] = {};
  if (nlmsg_parse(nlmsg_hdr(reply.get()), sizeof(ifinfomsg), link, IFLA_MAX, nullptr) < 0 ||
      link[IFLA_LINKINFO] == nullptr ||
      nla_parse_nested(info, IFLA_INFO_MAX, link[IFLA_LINKINFO], nullptr) < 0 ||
      info[IFLA_INFO_SLAVE_KIND] == nullptr || nla_strcmp(info[IFLA_INFO_SLAVE_KIND], "bridge") != 0 ||
      info[IFLA_INFO_SLAVE_DATA] == nullptr ||
      nla_parse_nested(port, IFLA_BRPORT_MAX, info[IFLA_INFO_SLAVE_DATA], nullptr) < 0)
    return std::nullopt;
  // A kernel that reports the port but not the flag (before 4.18) cannot isolate it: not isolated.
  return port[IFLA_BRPORT_ISOLATED] != nullptr && nla_get_u8(port[IFLA_BRPORT_ISOLATED]) != 0;
}

std::vector<int> bridge_ports(const NlSocket& sock, int bridge_index) {
  std::vector<int> ports;
  dump(
      sock,
      [bridge_index] {
        ifinfomsg header{};
        header.ifi_family = AF_UNSPEC;
        NlMsgPtr msg = link_message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, header);
        check_put(nla_put_u32(msg.get(), IFLA_MASTER, static_cast<uint32_t>(bridge_index)), "IFLA_MASTER");
        return msg;
      },
      [&](nl_object* object) {
        auto* link = reinterpret_cast<rtnl_link*>(object);
        if (rtnl_link_get_master(link) == bridge_index) ports.push_back(rtnl_link_get_ifindex(link));
      },
      "list the ports of bridge #" + std::to_string(bridge_index));
  return ports;
}

bool has_ports_besides(const NlSocket& sock, const std::string& bridge, int leaving_port) {
  const auto index = static_cast<int>(::if_nametoindex(bridge.c_str()));
  if (index == 0) return false;
  try {
    for (const int port : bridge_ports(sock, index))
      if (port != leaving_port) return true;
    return false;
  } catch (const Error& e) {
    // Links coming and going all the while (many DELs at once) interrupt every try of the dump: the bridge may
    // well have ports then, and "yes" only puts off what its last DEL does.
    if (e.code() == Code::TryAgainLater) return true;
    throw;
  }
}

}  // namespace nexus::net
