#include "shared/net/bridge_vlan.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <sched.h>

#include <cstring>
#include <thread>

#include "shared/net/bridge.h"
#include "shared/net/nl_error.h"
#include "shared/net/nl_request.h"

namespace nexus::net {
namespace {

void put_vlan_info(nl_msg* m, uint16_t flags, uint16_t vid) {
  bridge_vlan_info info{.flags = flags, .vid = vid};
  check_put(nla_put(m, IFLA_BRIDGE_VLAN_INFO, sizeof info, &info), "IFLA_BRIDGE_VLAN_INFO");
}

uint16_t entry_flags(const VlanEntry& e) {
  return static_cast<uint16_t>((e.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (e.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0));
}

std::string port_label(int port_index) { return "#" + std::to_string(port_index); }

}  // namespace

Error vlan_filtering_unsupported(const std::string& bridge) {
  return Error(Code::KernelLacksFeature,
               "this kernel lacks bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING), which vlan and vlanTrunk "
               "need (bridge " + bridge + ")",
               "nothing was changed; use a kernel built with CONFIG_BRIDGE_VLAN_FILTERING, or leave out vlan and "
               "vlanTrunk");
}

std::optional<BridgeVlanState> parse_bridge_vlan_state(nl_msg* reply) {
  nlattr* link[IFLA_MAX + 1] = {};
  nlattr* info[IFLA_INFO_MAX + 1] = {};
  nlattr* data[IFLA_BR_MAX + 1] = {};
  if (nlmsg_parse(nlmsg_hdr(reply), sizeof(ifinfomsg), link, IFLA_MAX, nullptr) < 0 ||
      link[IFLA_LINKINFO] == nullptr || nla_parse_nested(info, IFLA_INFO_MAX, link[IFLA_LINKINFO], nullptr) < 0 ||
      info[IFLA_INFO_KIND] == nullptr || nla_strcmp(info[IFLA_INFO_KIND], "bridge") != 0)
    return std::nullopt;
  BridgeVlanState state;
  if (info[IFLA_INFO_DATA] == nullptr || nla_parse_nested(data, IFLA_BR_MAX, info[IFLA_INFO_DATA], nullptr) < 0)
    return state;  // a bridge that says nothing about VLANs cannot filter them
  state.filtering = data[IFLA_BR_VLAN_FILTERING] != nullptr && nla_get_u8(data[IFLA_BR_VLAN_FILTERING]) != 0;
  state.supported = data[IFLA_BR_VLAN_DEFAULT_PVID] != nullptr;
  if (state.supported) state.default_pvid = nla_get_u16(data[IFLA_BR_VLAN_DEFAULT_PVID]);
  return state;
}

std::optional<BridgeVlanState> bridge_vlan_state(const NlSocket& sock, int bridge_index) {
  const NlMsgPtr reply = get_link_reply(sock, bridge_index, "bridge");
  if (!reply) return std::nullopt;
  return parse_bridge_vlan_state(reply.get());
}

std::optional<bool> probe_bridge_vlan_filtering() {
  std::optional<bool> answer;
  // A thread of its own: unshare moves only the calling thread, so the plugin's own thread never leaves the
  // host netns, and the probe's namespace (with its bridge) goes when the thread and its socket are gone.
  std::thread([&answer] {
    if (::unshare(CLONE_NEWNET) != 0) return;
    try {
      const NlSocket sock = NlSocket::open();
      const int err = send_and_wait_ack(sock, bridge_create_message("nexus-probe", {.vlan_filtering = true}));
      if (err == 0) answer = true;
      if (err == -NLE_OPNOTSUPP) answer = false;
    } catch (...) {
      // cannot tell: the caller goes ahead, and the real request answers
    }
  }).join();
  return answer;
}

NlMsgPtr vlan_filtering_message(int bridge_index) {
  ifinfomsg header{};
  header.ifi_index = bridge_index;
  NlMsgPtr msg = link_message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, header);
  nl_msg* m = msg.get();
  const LinkInfoNest nest = begin_link_info(m, "bridge");
  check_put(nla_put_u8(m, IFLA_BR_VLAN_FILTERING, 1), "IFLA_BR_VLAN_FILTERING");
  end_link_info(m, nest);
  return msg;
}

void enable_vlan_filtering(const NlSocket& sock, const Link& bridge) {
  const int err = send_and_wait_ack(sock, vlan_filtering_message(bridge.index));
  if (err == -NLE_OPNOTSUPP) throw vlan_filtering_unsupported(bridge.name);
  if (err < 0) throw nl_error("turn on vlan_filtering of", "bridge", bridge.name, err);
}

NlMsgPtr port_vlan_message(int type, int port_index, const std::vector<VlanEntry>& entries) {
  ifinfomsg header{};
  header.ifi_family = AF_BRIDGE;
  header.ifi_index = port_index;
  NlMsgPtr msg = link_message(type, NLM_F_REQUEST | NLM_F_ACK, header);
  nl_msg* m = msg.get();
  nlattr* spec = nla_nest_start(m, IFLA_AF_SPEC);
  check_put(spec == nullptr ? -NLE_NOMEM : 0, "IFLA_AF_SPEC");
  for (const VlanEntry& e : entries) {
    const uint16_t flags = entry_flags(e);
    if (e.first == e.last) {
      put_vlan_info(m, flags, e.first);
    } else {
      put_vlan_info(m, flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, e.first);
      put_vlan_info(m, flags | BRIDGE_VLAN_INFO_RANGE_END, e.last);
    }
  }
  nla_nest_end(m, spec);
  return msg;
}

void add_port_vlans(const NlSocket& sock, int port_index, const std::vector<VlanEntry>& entries) {
  if (entries.empty()) return;
  const int err = send_and_wait_ack(sock, port_vlan_message(RTM_SETLINK, port_index, entries));
  if (err == -NLE_OPNOTSUPP) throw vlan_filtering_unsupported("of port " + port_label(port_index));
  if (err < 0) throw nl_error("add VLANs to", "bridge port", port_label(port_index), err);
}

void remove_port_vlans(const NlSocket& sock, int port_index, const std::vector<VlanEntry>& entries) {
  if (entries.empty()) return;
  const int err = send_and_wait_ack(sock, port_vlan_message(RTM_DELLINK, port_index, entries));
  if (err < 0 && err != -NLE_OBJ_NOTFOUND)
    throw nl_error("remove VLANs from", "bridge port", port_label(port_index), err);
}

std::vector<VlanEntry> parse_vlan_af_spec(const nlattr* af_spec) {
  std::vector<VlanEntry> entries;
  if (af_spec == nullptr) return entries;
  std::optional<bridge_vlan_info> range_begin;
  nlattr* attr = nullptr;
  int rem = 0;
  nla_for_each_nested(attr, const_cast<nlattr*>(af_spec), rem) {
    if (nla_type(attr) != IFLA_BRIDGE_VLAN_INFO || nla_len(attr) < static_cast<int>(sizeof(bridge_vlan_info)))
      continue;
    bridge_vlan_info info{};
    std::memcpy(&info, nla_data(attr), sizeof info);
    if (info.flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
      range_begin = info;
      continue;
    }
    VlanEntry e{.first = info.vid, .last = info.vid, .pvid = (info.flags & BRIDGE_VLAN_INFO_PVID) != 0,
                .untagged = (info.flags & BRIDGE_VLAN_INFO_UNTAGGED) != 0};
    if ((info.flags & BRIDGE_VLAN_INFO_RANGE_END) && range_begin) e.first = range_begin->vid;
    range_begin.reset();
    entries.push_back(e);
  }
  return entries;
}

std::vector<VlanEntry> port_vlans(const NlSocket& sock, int port_index) {
  std::vector<VlanEntry> entries;
  const auto request = [] {
    ifinfomsg header{};
    header.ifi_family = AF_BRIDGE;
    NlMsgPtr msg = link_message(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, header);
    check_put(nla_put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN_COMPRESSED), "IFLA_EXT_MASK");
    return msg;
  };
  dump_messages(sock, request, [&](nl_msg* msg) {
    nlmsghdr* hdr = nlmsg_hdr(msg);
    if (hdr->nlmsg_type != RTM_NEWLINK || nlmsg_datalen(hdr) < static_cast<int>(sizeof(ifinfomsg))) return;
    if (static_cast<const ifinfomsg*>(nlmsg_data(hdr))->ifi_index != port_index) return;
    nlattr* attrs[IFLA_MAX + 1] = {};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), attrs, IFLA_MAX, nullptr) < 0) return;
    entries = parse_vlan_af_spec(attrs[IFLA_AF_SPEC]);
  }, "bridge port VLANs");
  return entries;
}

}  // namespace nexus::net
