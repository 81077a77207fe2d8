// The bridge VLAN requests, decoded byte by byte: what the kernel's bridge needs to take them, for each form a
// configuration gives (access VLAN, trunk ids, trunk ranges, native VLAN 1, default-VLAN removal,
// vlan_filtering on an existing bridge and at creation), and the decoding of the kernel's answers.
#include "shared/net/bridge_vlan.h"

#include <doctest/doctest.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstring>

#include "shared/net/bridge.h"
#include "shared/net/nl_request.h"

using nexus::net::NlMsgPtr;
using nexus::net::VlanEntry;

namespace {

struct Info {
  uint16_t flags;
  uint16_t vid;
  bool operator==(const Info&) const = default;
};

const ifinfomsg& header_of(const NlMsgPtr& msg) { return *static_cast<const ifinfomsg*>(nlmsg_data(nlmsg_hdr(msg.get()))); }

nlattr* top_attr(const NlMsgPtr& msg, int type) {
  nlattr* attrs[IFLA_MAX + 1] = {};
  REQUIRE(nlmsg_parse(nlmsg_hdr(msg.get()), sizeof(ifinfomsg), attrs, IFLA_MAX, nullptr) == 0);
  return attrs[type];
}

// The IFLA_AF_SPEC of a port request as the kernel walks it: every nested attribute, in order; anything but
// IFLA_BRIDGE_VLAN_INFO (IFLA_BRIDGE_FLAGS in particular) fails the test.
std::vector<Info> vlan_infos(const NlMsgPtr& msg) {
  nlattr* spec = top_attr(msg, IFLA_AF_SPEC);
  REQUIRE(spec != nullptr);
  std::vector<Info> out;
  nlattr* attr = nullptr;
  int rem = 0;
  nla_for_each_nested(attr, spec, rem) {
    REQUIRE(nla_type(attr) == IFLA_BRIDGE_VLAN_INFO);
    REQUIRE(nla_len(attr) == static_cast<int>(sizeof(bridge_vlan_info)));
    bridge_vlan_info info{};
    std::memcpy(&info, nla_data(attr), sizeof info);
    out.push_back({info.flags, info.vid});
  }
  return out;
}

NlMsgPtr port_request(int type, const std::vector<VlanEntry>& entries) {
  NlMsgPtr msg = nexus::net::port_vlan_message(type, 42, entries);
  const nlmsghdr* hdr = nlmsg_hdr(msg.get());
  CHECK(hdr->nlmsg_type == type);
  CHECK((hdr->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) == (NLM_F_REQUEST | NLM_F_ACK));
  CHECK((hdr->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) == 0);
  // AF_BRIDGE sends it to the bridge's VLAN code; a RTM_DELLINK of AF_UNSPEC would delete the port itself.
  CHECK(header_of(msg).ifi_family == AF_BRIDGE);
  CHECK(header_of(msg).ifi_index == 42);
  CHECK(header_of(msg).ifi_change == 0u);
  return msg;
}

constexpr uint16_t kPvid = BRIDGE_VLAN_INFO_PVID;
constexpr uint16_t kUntagged = BRIDGE_VLAN_INFO_UNTAGGED;
constexpr uint16_t kBegin = BRIDGE_VLAN_INFO_RANGE_BEGIN;
constexpr uint16_t kEnd = BRIDGE_VLAN_INFO_RANGE_END;

// The bridge's IFLA_INFO_DATA in a RTM_NEWLINK reply: vlan_filtering, and the default pvid when `with_pvid`.
NlMsgPtr bridge_reply(const char* kind, bool filtering, std::optional<uint16_t> default_pvid) {
  NlMsgPtr msg = nexus::net::link_message(RTM_NEWLINK, 0, ifinfomsg{});
  nlattr* info = nla_nest_start(msg.get(), IFLA_LINKINFO);
  nla_put_string(msg.get(), IFLA_INFO_KIND, kind);
  nlattr* data = nla_nest_start(msg.get(), IFLA_INFO_DATA);
  nla_put_u8(msg.get(), IFLA_BR_VLAN_FILTERING, filtering ? 1 : 0);
  if (default_pvid) nla_put_u16(msg.get(), IFLA_BR_VLAN_DEFAULT_PVID, *default_pvid);
  nla_nest_end(msg.get(), data);
  nla_nest_end(msg.get(), info);
  return msg;
}

// IFLA_INFO_DATA of a RTM_NEWLINK for a bridge, parsed.
void parse_bridge_data(const NlMsgPtr& msg, nlattr* (&data)[IFLA_BR_MAX + 1]) {
  nlattr* linkinfo = top_attr(msg, IFLA_LINKINFO);
  REQUIRE(linkinfo != nullptr);
  nlattr* info[IFLA_INFO_MAX + 1] = {};
  REQUIRE(nla_parse_nested(info, IFLA_INFO_MAX, linkinfo, nullptr) == 0);
  REQUIRE(info[IFLA_INFO_KIND] != nullptr);
  CHECK(nla_strcmp(info[IFLA_INFO_KIND], "bridge") == 0);
  REQUIRE(info[IFLA_INFO_DATA] != nullptr);
  REQUIRE(nla_parse_nested(data, IFLA_BR_MAX, info[IFLA_INFO_DATA], nullptr) == 0);
}

}  // namespace

TEST_SUITE("bridge_vlan") {

TEST_CASE("port_vlan_message: an access VLAN is one entry, pvid and untagged") {
  const NlMsgPtr msg = port_request(RTM_SETLINK, {{.first = 10, .last = 10, .pvid = true, .untagged = true}});
  CHECK(vlan_infos(msg) == std::vector<Info>{{kPvid | kUntagged, 10}});
}

TEST_CASE("port_vlan_message: trunk ids are tagged entries after the native VLAN 1 (pvid, untagged)") {
  const NlMsgPtr msg = port_request(RTM_SETLINK, {{.first = 1, .last = 1, .pvid = true, .untagged = true},
                                                  {.first = 10, .last = 10},
                                                  {.first = 20, .last = 20}});
  CHECK(vlan_infos(msg) == std::vector<Info>{{kPvid | kUntagged, 1}, {0, 10}, {0, 20}});
}

TEST_CASE("port_vlan_message: a range is two attributes, RANGE_BEGIN and RANGE_END, however many VLANs") {
  const NlMsgPtr msg = port_request(RTM_SETLINK, {{.first = 7, .last = 7, .pvid = true, .untagged = true},
                                                  {.first = 2, .last = 6},
                                                  {.first = 8, .last = 4094}});
  CHECK(vlan_infos(msg) == std::vector<Info>{{kPvid | kUntagged, 7}, {kBegin, 2}, {kEnd, 6}, {kBegin, 8}, {kEnd, 4094}});
  // An untagged range carries the flag on both ends (the kernel takes the begin's flags for the whole range).
  const NlMsgPtr untagged = port_request(RTM_SETLINK, {{.first = 100, .last = 200, .untagged = true}});
  CHECK(vlan_infos(untagged) == std::vector<Info>{{kBegin | kUntagged, 100}, {kEnd | kUntagged, 200}});
  CHECK(nlmsg_hdr(msg.get())->nlmsg_len < 200u);  // not one attribute per VLAN
}

TEST_CASE("port_vlan_message: removing the default VLAN is a RTM_DELLINK of AF_BRIDGE with that VLAN, no flags") {
  const NlMsgPtr msg = port_request(RTM_DELLINK, {{.first = 1, .last = 1}});
  CHECK(vlan_infos(msg) == std::vector<Info>{{0, 1}});
}

TEST_CASE("vlan_filtering_message: RTM_NEWLINK of the existing bridge, IFLA_BR_VLAN_FILTERING 1, nothing else") {
  const NlMsgPtr msg = nexus::net::vlan_filtering_message(7);
  const nlmsghdr* hdr = nlmsg_hdr(msg.get());
  CHECK(hdr->nlmsg_type == RTM_NEWLINK);
  CHECK((hdr->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE)) == 0);  // change, never create
  CHECK(header_of(msg).ifi_index == 7);
  CHECK(header_of(msg).ifi_change == 0u);
  nlattr* data[IFLA_BR_MAX + 1] = {};
  parse_bridge_data(msg, data);
  REQUIRE(data[IFLA_BR_VLAN_FILTERING] != nullptr);
  CHECK(nla_len(data[IFLA_BR_VLAN_FILTERING]) == 1);
  CHECK(nla_get_u8(data[IFLA_BR_VLAN_FILTERING]) == 1);
  for (int type = 1; type <= IFLA_BR_MAX; ++type)
    if (type != IFLA_BR_VLAN_FILTERING) CHECK_MESSAGE(data[type] == nullptr, type);
}

TEST_CASE("bridge_create_message: vlan_filtering in the creating request only when asked") {
  nlattr* data[IFLA_BR_MAX + 1] = {};
  parse_bridge_data(nexus::net::bridge_create_message("nxbr0", {.vlan_filtering = true}), data);
  REQUIRE(data[IFLA_BR_VLAN_FILTERING] != nullptr);
  CHECK(nla_get_u8(data[IFLA_BR_VLAN_FILTERING]) == 1);
  CHECK(data[IFLA_BR_STP_STATE] != nullptr);
  nlattr* plain[IFLA_BR_MAX + 1] = {};
  parse_bridge_data(nexus::net::bridge_create_message("nxbr0", {}), plain);
  CHECK(plain[IFLA_BR_VLAN_FILTERING] == nullptr);
}

TEST_CASE("parse_vlan_af_spec: reads back what port_vlan_message sends, and the kernel's compressed ranges") {
  const std::vector<VlanEntry> entries = {{.first = 10, .last = 10, .pvid = true, .untagged = true},
                                          {.first = 20, .last = 20},
                                          {.first = 100, .last = 4094},
                                          {.first = 30, .last = 40, .untagged = true}};
  const NlMsgPtr msg = nexus::net::port_vlan_message(RTM_NEWLINK, 3, entries);
  CHECK(nexus::net::parse_vlan_af_spec(top_attr(msg, IFLA_AF_SPEC)) == entries);
  CHECK(nexus::net::parse_vlan_af_spec(nullptr).empty());
}

TEST_CASE("parse_bridge_vlan_state: the default pvid's presence says whether the kernel filters VLANs") {
  // This kernel's answer without CONFIG_BRIDGE_VLAN_FILTERING: vlan_filtering 0 and no default pvid.
  const auto without = nexus::net::parse_bridge_vlan_state(bridge_reply("bridge", false, std::nullopt).get());
  REQUIRE(without);
  CHECK_FALSE(without->supported);
  CHECK_FALSE(without->filtering);
  const auto with = nexus::net::parse_bridge_vlan_state(bridge_reply("bridge", true, 1).get());
  REQUIRE(with);
  CHECK(with->supported);
  CHECK(with->filtering);
  CHECK(with->default_pvid == 1);
  const auto no_default = nexus::net::parse_bridge_vlan_state(bridge_reply("bridge", false, 0).get());
  REQUIRE(no_default);
  CHECK(no_default->supported);
  CHECK(no_default->default_pvid == 0);
  CHECK_FALSE(nexus::net::parse_bridge_vlan_state(bridge_reply("veth", false, 1).get()));
}

TEST_CASE("vlan_filtering_unsupported: code 100, naming the kernel feature and the bridge") {
  const nexus::Error e = nexus::net::vlan_filtering_unsupported("nxbr0");
  CHECK(e.code() == nexus::Code::KernelLacksFeature);
  CHECK(static_cast<unsigned>(e.code()) == 100u);
  const std::string msg = e.what();
  CHECK(msg.find("bridge VLAN filtering") != std::string::npos);
  CHECK(msg.find("CONFIG_BRIDGE_VLAN_FILTERING") != std::string::npos);
  CHECK(msg.find("nxbr0") != std::string::npos);
  CHECK(e.details().find("nothing was changed") != std::string::npos);
}

}  // TEST_SUITE
