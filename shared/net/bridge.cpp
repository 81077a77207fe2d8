#include "shared/net/bridge.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <vector>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>

#include "shared/base/error.h"
#include "shared/net/bridge_vlan.h"
#include "shared/net/nl_error.h"
#include "shared/net/nl_request.h"
#include "shared/util/fnv1a.h"
#include "shared/util/unique_fd.h"

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

namespace {

// One RTM_GETLINK dump of the links whose master is `bridge_index` (the kernel filters on IFLA_MASTER).
struct PortDumpRequest {
  nlmsghdr header;
  ifinfomsg link;
  rtattr master;
  uint32_t master_index;
};

}  // namespace

bool has_ports_besides(const std::string& bridge, int leaving_port) {
  const auto index = static_cast<int>(::if_nametoindex(bridge.c_str()));
  if (index == 0) return false;
  // The dump stops at the first port that is not `leaving_port`: reading every port in every DEL made a thousand
  // DELs at once quadratic. The socket is this call's own, so what the kernel had left to send goes with it.
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) throw sys_error("list the ports of bridge " + bridge + ": open rtnetlink socket", errno);
  PortDumpRequest req{};
  req.header.nlmsg_len = sizeof req;
  req.header.nlmsg_type = RTM_GETLINK;
  req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.header.nlmsg_seq = 1;
  req.link.ifi_family = AF_UNSPEC;
  req.master.rta_type = IFLA_MASTER;
  req.master.rta_len = RTA_LENGTH(sizeof req.master_index);
  req.master_index = static_cast<uint32_t>(index);
  if (::send(fd.get(), &req, sizeof req, 0) < 0)
    throw sys_error("list the ports of bridge " + bridge + ": send", errno);
  bool interrupted = false;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("list the ports of bridge " + bridge + ": receive", errno);
    auto left = static_cast<int>(n);
    // libnl's walkers: the kernel headers' NLMSG_OK compares a signed length with an unsigned one.
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
      interrupted = interrupted || (h->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
      // Links coming and going all the while (many DELs at once) make the list inconsistent: the bridge may well
      // have ports then, and "yes" only puts off what its last DEL does.
      if (h->nlmsg_type == NLMSG_DONE) return interrupted;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const int error = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        if (error != 0) throw sys_error("list the ports of bridge " + bridge, error);
        continue;
      }
      if (h->nlmsg_type != RTM_NEWLINK) continue;
      const auto* link = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
      // A kernel that ignores the filter lists every link: only those enslaved to the bridge count.
      int attr_left = static_cast<int>(IFLA_PAYLOAD(h));
      for (auto* a = IFLA_RTA(link); RTA_OK(a, attr_left); a = RTA_NEXT(a, attr_left))
        if (a->rta_type == IFLA_MASTER && *static_cast<const uint32_t*>(RTA_DATA(a)) == static_cast<uint32_t>(index) &&
            link->ifi_index != leaving_port)
          return true;
    }
  }
}

}  // namespace nexus::net
