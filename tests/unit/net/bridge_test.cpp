#include "shared/net/bridge.h"

#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <set>

TEST_CASE("bridge_mac is stable, locally administered, unicast and differs between names") {
  const auto a = nexus::net::bridge_mac("nexus0");
  CHECK(a == nexus::net::bridge_mac("nexus0"));
  CHECK((a[0] & 0x02) == 0x02);  // locally administered
  CHECK((a[0] & 0x01) == 0x00);  // unicast
  std::set<std::array<unsigned char, 6>> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(nexus::net::bridge_mac("br" + std::to_string(i)));
  CHECK(seen.size() == 1000);
  // Pinned: a change would give every existing bridge a new MAC after an upgrade.
  CHECK(nexus::net::format_mac(a.data(), a.size()) == "be:3d:3a:0c:a1:64");
}

// The request set_hairpin and set_port_isolated send: what the kernel's bridge needs to take it as a port flag.
TEST_CASE("port_flag_message: RTM_SETLINK, AF_BRIDGE, the flag as a u8 in a nested IFLA_PROTINFO") {
  for (const bool on : {true, false}) {
    CAPTURE(on);
    const nexus::net::NlMsgPtr msg = nexus::net::port_flag_message(42, IFLA_BRPORT_ISOLATED, on);
    nlmsghdr* hdr = nlmsg_hdr(msg.get());
    CHECK(hdr->nlmsg_type == RTM_SETLINK);
    CHECK((hdr->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) == (NLM_F_REQUEST | NLM_F_ACK));
    const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(hdr));
    CHECK(ifi->ifi_family == AF_BRIDGE);
    CHECK(ifi->ifi_index == 42);
    CHECK(ifi->ifi_change == 0u);  // no link flag is touched
    nlattr* attrs[IFLA_MAX + 1] = {};
    REQUIRE(nlmsg_parse(hdr, sizeof(ifinfomsg), attrs, IFLA_MAX, nullptr) == 0);
    REQUIRE(attrs[IFLA_PROTINFO] != nullptr);
    CHECK((attrs[IFLA_PROTINFO]->nla_type & NLA_F_NESTED) != 0);  // else the bridge ignores the port attributes
    nlattr* port[IFLA_BRPORT_MAX + 1] = {};
    REQUIRE(nla_parse_nested(port, IFLA_BRPORT_MAX, attrs[IFLA_PROTINFO], nullptr) == 0);
    REQUIRE(port[IFLA_BRPORT_ISOLATED] != nullptr);
    CHECK(nla_len(port[IFLA_BRPORT_ISOLATED]) == 1);
    CHECK(nla_get_u8(port[IFLA_BRPORT_ISOLATED]) == (on ? 1 : 0));
    CHECK(port[IFLA_BRPORT_MODE] == nullptr);  // only the flag asked for
  }
}
