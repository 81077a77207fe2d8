// Masquerade through libnftables, each case in its own throwaway host netns (nftables state is per netns).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "shared/base/error.h"
#include "shared/nat/masquerade.h"
#include "shared/net/addr.h"
#include "shared/net/bridge.h"
#include "shared/net/route.h"
#include "shared/net/sysctl.h"
#include "shared/net/veth.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/process_race.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;

namespace {

// "10.88.0.2/24", or a bare address (full length) where only the address matters.
std::vector<IpPrefix> ips(std::initializer_list<const char*> texts) {
  std::vector<IpPrefix> out;
  for (const char* t : texts) {
    const auto prefix = IpPrefix::parse(t);
    const auto address = IpAddress::parse(t);
    REQUIRE_MESSAGE((prefix || address), t);
    out.push_back(prefix ? *prefix : IpPrefix(*address, address->bits()));
  }
  return out;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

std::string nft_list(const std::string& what) { return inspect("nft list " + what); }

// Elements in the order nft lists them may vary: compare sorted.
std::vector<MasqElement> sorted_elements() {
  std::vector<MasqElement> out = masquerade_elements();
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("masquerade builds table, chains and one owned element per address; idempotent" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  const std::string chain = nat::network_chain("testnet", ips({"fd88::/64", "10.88.0.0/24"}));
  for (int i = 0; i < 2; ++i) nat::masquerade(nft, {"testnet", "nxbr0", "c1/eth0"}, ips({"10.88.0.2/24", "fd88::2/64"}));
  CHECK(nft_list("map inet nexus bridge_masq_v4").find("\"nxbr0\" . 10.88.0.2 comment \"c1/eth0\" : jump " + chain) !=
        std::string::npos);
  CHECK(nft_list("map inet nexus bridge_masq_v6").find("\"nxbr0\" . fd88::2 comment \"c1/eth0\" : jump " + chain) !=
        std::string::npos);
  CHECK(count(nft_list("set inet nexus bridge_owner_v4"), "\"nxbr0\" . 10.88.0.2 . 0x") == 1);
  CHECK(count(nft_list("set inet nexus bridge_owner_v6"), "\"nxbr0\" . fd88::2 . 0x") == 1);
  const std::string base = nft_list("chain inet nexus from_bridges");
  CHECK(base.find("iifname . ip saddr vmap @bridge_masq_v4") != std::string::npos);
  CHECK(base.find("iifname . ip6 saddr vmap @bridge_masq_v6") != std::string::npos);
  const std::string rules = nft_list("chain inet nexus " + chain);
  CHECK(count(rules, "masquerade") == 1);
  CHECK(rules.find("ip daddr { 10.88.0.0/24, 224.0.0.0/4 } return") != std::string::npos);
  CHECK(rules.find("ip6 daddr { fd88::/64, ff00::/8 } return") != std::string::npos);
  CHECK(masquerade_elements().size() == 2);
  CHECK(nat::find_unmasqueraded(nft, {"testnet", "nxbr0", "c1/eth0"}, ips({"10.88.0.2", "fd88::2"})).empty());
  CHECK(nat::find_unmasqueraded(nft, {"testnet", "nxbr0", "c1/eth0"}, ips({"10.88.0.3"})).size() == 1);
  CHECK(nat::find_unmasqueraded(nft, {"testnet", "nxbr0", "c2/eth0"}, ips({"10.88.0.2"})).size() == 1);  // not c2's
  CHECK(nat::find_unmasqueraded(nft, {"testnet", "nxbr1", "c1/eth0"}, ips({"10.88.0.2"})).size() == 1);  // not nxbr1
  // nor in othernet
  CHECK(nat::find_unmasqueraded(nft, {"othernet", "nxbr0", "c1/eth0"}, ips({"10.88.0.2"})).size() == 1);
}

TEST_CASE("masquerade turns on forwarding for the families of its addresses" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  REQUIRE(run_shell("sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0").exit_code == 0);
  nat::Nft nft;
  nat::masquerade(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"fd88::2/64"}));
  CHECK(inspect("sysctl -n net.ipv6.conf.all.forwarding") == "1\n");
  CHECK(inspect("sysctl -n net.ipv4.ip_forward") == "0\n");
  nat::masquerade(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"10.88.0.2/24"}));
  CHECK(inspect("sysctl -n net.ipv4.ip_forward") == "1\n");
}

namespace {
// Two attachments of one network on one bridge, in a throwaway host netns.
struct TwoOwners {
  HostNetns host;
  nat::Nft nft;
  const nat::MasqueradeTarget a{"testnet", "nxbr0", "a/eth0"}, b{"testnet", "nxbr0", "b/eth0"};
};
}  // namespace

TEST_CASE_FIXTURE(TwoOwners, "unmasquerade removes only the owner's elements, creates nothing on a clean host" *
                                  doctest::skip(skip_root_tests())) {
  nat::unmasquerade(nft, a, ips({"10.88.0.2"}));
  CHECK(inspect("nft list tables").empty());
  nat::masquerade(nft, a, ips({"10.88.0.2/24"}));
  nat::masquerade(nft, b, ips({"10.88.0.3/24"}));
  SUBCASE("by the owner's addresses") { nat::unmasquerade(nft, a, ips({"10.88.0.2"})); }
  SUBCASE("by owner alone") { nat::unmasquerade(nft, a); }
  SUBCASE("with addresses partly another owner's (a stale prevResult)") {
    nat::unmasquerade(nft, a, ips({"10.88.0.2", "10.88.0.3", "fd88::9"}));
  }
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbr0", "10.88.0.3", "b/eth0"}});
  CHECK(owner_tokens_v4() == std::multiset<std::string>{"10.88.0.3"});
  nat::unmasquerade(nft, b, ips({"10.88.0.2"}));  // b's, found by owner
  CHECK(masquerade_elements().empty());
  CHECK(owner_tokens_v4().empty());
  nat::unmasquerade(nft, {"never-added", "nxbr0", "b/eth0"}, ips({"10.88.0.3"}));
}

TEST_CASE_FIXTURE(TwoOwners,
                  "a new owner of an address takes over the stale element; the old owner's removal leaves it" *
                      doctest::skip(skip_root_tests())) {
  nat::masquerade(nft, a, ips({"10.88.0.50/24"}));
  // `add element` of the same key and verdict would succeed and keep a's comment: the take-over must not.
  nat::masquerade(nft, b, ips({"10.88.0.50/24"}));
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbr0", "10.88.0.50", "b/eth0"}});
  CHECK(owner_tokens_v4().size() == 1);
  nat::unmasquerade(nft, a, ips({"10.88.0.50"}));
  nat::unmasquerade(nft, a);
  nat::collect_garbage(nft, "testnet", {"b/eth0"});
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbr0", "10.88.0.50", "b/eth0"}});
  // Also when the stale element is another network's (same bridge) and the new one's chain does not exist yet.
  nat::masquerade(nft, {"othernet", "nxbr0", "c/eth0"}, ips({"10.88.0.50/24"}));
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbr0", "10.88.0.50", "c/eth0"}});
  CHECK(owner_tokens_v4().size() == 1);
}

TEST_CASE("overlapping networks on different bridges: same addresses side by side, each removal its own" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  nat::masquerade(nft, {"net-a", "nxbra", "c/eth0"}, ips({"10.0.77.50/24"}));
  nat::masquerade(nft, {"net-b", "nxbrb", "c/eth0"}, ips({"10.0.77.50/24"}));  // same owner name
  CHECK(masquerade_elements().size() == 2);
  CHECK(owner_tokens_v4().size() == 2);
  nat::unmasquerade(nft, {"net-a", "nxbra", "c/eth0"}, ips({"10.0.77.50"}));
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbrb", "10.0.77.50", "c/eth0"}});
  // net-b's token is not net-a's, though the owner's name is the same: a removal for net-a cannot take it.
  nat::unmasquerade(nft, {"net-a", "nxbrb", "c/eth0"}, ips({"10.0.77.50"}));
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbrb", "10.0.77.50", "c/eth0"}});
}

TEST_CASE("collect_garbage keeps listed owners and removes the rest of its network only" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  for (const char* owner : {"x/eth0", "y/eth0", "z/eth0"})
    nat::masquerade(nft, {"a", "nxbra", owner},
                    ips({(std::string("10.1.0.") + std::to_string(owner[0] - 'x' + 2) + "/24").c_str()}));
  nat::masquerade(nft, {"b", "nxbrb", "x/eth0"}, ips({"10.1.0.2/24"}));
  nat::collect_garbage(nft, "a", {"y/eth0"});
  // y's in a stays; b's x, same owner name and address in another network, is untouched.
  CHECK(sorted_elements() ==
        std::vector<MasqElement>{{"nxbra", "10.1.0.3", "y/eth0"}, {"nxbrb", "10.1.0.2", "x/eth0"}});
  CHECK(owner_tokens_v4().size() == 2);
}

TEST_CASE("names with any characters get a safe chain name; unsafe bridge names and owners are refused" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  const std::string weird = "we ird\"; flush ruleset; {x}";
  CHECK(nat::network_chain_prefix(weird).size() == 18);
  CHECK(nat::network_chain(weird, ips({"10.3.0.0/24"})).size() == 27);
  CHECK(nat::network_chain_prefix(weird) != nat::network_chain_prefix("weird"));
  nat::Nft nft;
  nat::masquerade(nft, {weird, "nxbr0", "c/eth0"}, ips({"10.3.0.2/24"}));
  CHECK(masquerade_elements().size() == 1);
  CHECK(nat::find_unmasqueraded(nft, {weird, "nxbr0", "c/eth0"}, ips({"10.3.0.2"})).empty());
  CHECK_THROWS_AS(nat::masquerade(nft, {"n", "br\"0", "c/eth0"}, ips({"10.3.0.3/24"})), nexus::Error);
  CHECK_THROWS_AS(nat::masquerade(nft, {"n", "nxbr0", "c\"/eth0"}, ips({"10.3.0.3/24"})), nexus::Error);
  CHECK_THROWS_AS(nat::masquerade(nft, {"n", "nxbr0", ""}, ips({"10.3.0.3/24"})), nexus::Error);
}

TEST_CASE("a table of an older Nexus (maps keyed by address) is left be and does not stop the new one" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  REQUIRE(run_shell("nft add table inet nexus && nft add map inet nexus masq_v4 '{ type ipv4_addr : verdict; }' && "
                    "nft add chain inet nexus old && nft add element inet nexus masq_v4 '{ 10.88.0.2 : jump old }' && "
                    "nft add chain inet nexus postrouting '{ type nat hook postrouting priority srcnat; }' && "
                    "nft add rule inet nexus postrouting ip saddr vmap @masq_v4")
              .exit_code == 0);
  nat::Nft nft;
  nat::masquerade(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"10.88.0.2/24"}));
  CHECK(nat::find_unmasqueraded(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"10.88.0.2"})).empty());
  nat::unmasquerade(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"10.88.0.2"}));
  CHECK(nat::find_unmasqueraded(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"10.88.0.2"})).size() == 1);
  CHECK(nft_list("map inet nexus masq_v4").find("10.88.0.2 : jump old") != std::string::npos);
}

TEST_CASE("20 processes adding masquerade at once: all succeed, no duplicate rules" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  const int failures = race_children(20, [](int i) {
    nat::Nft nft;
    nat::masquerade(nft, {"racenet", "nxbr0", "c" + std::to_string(i) + "/eth0"},
                    ips({("10.9.0." + std::to_string(i + 2) + "/24").c_str()}));
    return 0;
  });
  CHECK(failures == 0);
  CHECK(masquerade_elements().size() == 20);
  CHECK(owner_tokens_v4().size() == 20);
  CHECK(count(nft_list("chain inet nexus from_bridges"), "vmap") == 2);
  CHECK(count(nft_list("chain inet nexus " + nat::network_chain("racenet", ips({"10.9.0.0/24"}))), "masquerade") == 1);
}

namespace {

// host netns: bridge nxbr0 (10.88.0.1/24) with the container (10.88.0.2) behind it, and an uplink veth to an
// "outside" netns (198.51.100.1) that has no route back to 10.88.0.0/24: only translated traffic gets answers.
struct NatTopology {
  ContainerNetns container;
  TestNetns outside;
  net::Sockets to_container = net::Sockets::open(container.path());
  net::Sockets to_outside = net::Sockets::open(outside.path());

  NatTopology() {
    const net::Link br = net::ensure_bridge(to_container.host, "nxbr0");
    net::ensure_gateway_address(to_container.host, br, *IpPrefix::parse("10.88.0.1/24"), false);
    const net::VethPair c = net::create_veth(to_container, {.host_name = "nxh0", .peer_name = "eth0", .master_index = br.index});
    net::ensure_address(to_container.container, c.peer.index, *IpPrefix::parse("10.88.0.2/24"));
    net::ensure_route(to_container.container, {.dst = *IpPrefix::parse("0.0.0.0/0"), .gateway = *IpAddress::parse("10.88.0.1"),
                                               .ifindex = c.peer.index});
    const net::VethPair up = net::create_veth(to_outside, {.host_name = "nxup0", .peer_name = "eth0"});
    net::ensure_address(to_outside.host, up.host.index, *IpPrefix::parse("198.51.100.254/24"));
    net::ensure_address(to_outside.container, up.peer.index, *IpPrefix::parse("198.51.100.1/24"));
    net::enable_forwarding(true, false);
    const CommandResult counters = run_in_netns(outside,
        "nft add table ip seen && nft add chain ip seen input '{ type filter hook input priority 0; }' && "
        "nft add rule ip seen input ip saddr 198.51.100.254 icmp type echo-request counter && "
        "nft add rule ip seen input ip saddr 10.88.0.2 icmp type echo-request counter");
    REQUIRE(counters.exit_code == 0);
  }

  bool container_pings_outside(int wait_s = 3) const {
    return run_in_netns(container, "ping -c1 -W" + std::to_string(wait_s) + " 198.51.100.1").exit_code == 0;
  }
  // Packet count of the outside's counter rule for `source`.
  int seen_from(const std::string& source) const {
    const std::string rules = run_in_netns(outside, "nft list chain ip seen input").out;
    const size_t at = rules.find("ip saddr " + source + " ");
    REQUIRE(at != std::string::npos);
    const size_t packets = rules.find("packets ", at);
    return std::stoi(rules.substr(packets + 8));
  }
};

}  // namespace

TEST_CASE("masquerade really translates: the outside sees the host's address, only while it is on" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  NatTopology t;
  CHECK_FALSE(t.container_pings_outside(1));  // untranslated: the outside cannot answer
  CHECK(t.seen_from("10.88.0.2") >= 1);
  CHECK(t.seen_from("198.51.100.254") == 0);
  nat::Nft nft;
  nat::masquerade(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"10.88.0.2/24"}));
  CHECK(t.container_pings_outside());
  CHECK(t.seen_from("198.51.100.254") >= 1);
  CHECK(run_shell("ping -c1 -W3 10.88.0.2").exit_code == 0);  // inside the subnet: not translated, still fine
  nat::unmasquerade(nft, {"testnet", "nxbr0", "c/eth0"}, ips({"10.88.0.2/24"}));
  const int translated = t.seen_from("198.51.100.254");
  CHECK_FALSE(t.container_pings_outside(1));
  CHECK(t.seen_from("198.51.100.254") == translated);
}

TEST_CASE("never-masqueraded destinations: return rules in a chain of their own; CHECK sees a chain without them; "
          "DEL and GC as before" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  // A full-length prefix too: nft lists it as a bare address, which CHECK must read back as the same prefix.
  const nat::MasqueradeTarget cluster{"testnet", "nxbr0", "c1/eth0",
                                      ips({"10.244.0.0/16", "fd00:244::/48", "192.0.2.9/32"})};
  const nat::MasqueradeTarget plain{"testnet", "nxbr0", "c2/eth0"};
  nat::masquerade(nft, cluster, ips({"10.244.1.2/24"}));
  nat::masquerade(nft, plain, ips({"10.244.1.3/24"}));
  const std::string with = nat::network_chain("testnet", ips({"10.244.1.0/24"}), cluster.never_masqueraded);
  const std::string without = nat::network_chain("testnet", ips({"10.244.1.0/24"}));
  REQUIRE(with != without);
  const std::string rules = nft_list("chain inet nexus " + with);
  CHECK(rules.find("ip daddr 10.244.0.0/16 return comment \"nonMasqueradeCIDRs\"") != std::string::npos);
  CHECK(rules.find("ip6 daddr fd00:244::/48 return comment \"nonMasqueradeCIDRs\"") != std::string::npos);
  CHECK(rules.find("ip daddr 192.0.2.9 return comment \"nonMasqueradeCIDRs\"") != std::string::npos);
  CHECK(rules.find("masquerade") > rules.find("fd00:244::/48"));  // the exemptions come before the masquerade
  CHECK(nft_list("chain inet nexus " + without).find("nonMasqueradeCIDRs") == std::string::npos);
  CHECK(nft_list("map inet nexus bridge_masq_v4").find("10.244.1.2 comment \"c1/eth0\" : jump " + with) !=
        std::string::npos);
  CHECK(nft_list("map inet nexus bridge_masq_v4").find("10.244.1.3 comment \"c2/eth0\" : jump " + without) !=
        std::string::npos);

  // CHECK: each attachment's chain exempts exactly what its configuration lists.
  CHECK(nat::find_masquerade_gap(nft, cluster, ips({"10.244.1.2/24"})) == "");
  CHECK(nat::find_masquerade_gap(nft, plain, ips({"10.244.1.3/24"})) == "");
  nat::MasqueradeTarget c1_plain = plain;
  c1_plain.owner = "c1/eth0";
  CHECK(nat::find_masquerade_gap(nft, c1_plain, ips({"10.244.1.2/24"})) ==
        "address 10.244.1.2 is masqueraded by chain " + with +
            ", which exempts [10.244.0.0/16, 192.0.2.9/32, fd00:244::/48], not nonMasqueradeCIDRs []");
  nat::MasqueradeTarget c2_cluster = cluster;
  c2_cluster.owner = "c2/eth0";
  CHECK(nat::find_masquerade_gap(nft, c2_cluster, ips({"10.244.1.3/24"})) ==
        "address 10.244.1.3 is masqueraded by chain " + without +
            ", which exempts [], not nonMasqueradeCIDRs [10.244.0.0/16, 192.0.2.9/32, fd00:244::/48]");
  CHECK(nat::find_masquerade_gap(nft, cluster, ips({"10.244.1.9/24"})) ==
        "element \"nxbr0\" . 10.244.1.9 of map bridge_masq_v4 (table inet nexus) is missing");
  // A chain that lost an exemption rule (someone deleted it) is reported too.
  const std::string listed = inspect("nft -a list chain inet nexus " + with);
  const size_t v6 = listed.find("fd00:244::/48 return comment \"nonMasqueradeCIDRs\" # handle ");
  REQUIRE(v6 != std::string::npos);
  const size_t at = listed.find("# handle ", v6) + 9;
  const std::string handle = listed.substr(at, listed.find('\n', at) - at);
  REQUIRE(run_shell("nft delete rule inet nexus " + with + " handle " + handle).exit_code == 0);
  CHECK(nat::find_masquerade_gap(nft, cluster, ips({"10.244.1.2/24"})) ==
        "address 10.244.1.2 is masqueraded by chain " + with +
            ", which exempts [10.244.0.0/16, 192.0.2.9/32], not nonMasqueradeCIDRs "
            "[10.244.0.0/16, 192.0.2.9/32, fd00:244::/48]");

  // GC and DEL find both chains' elements by the network: the exemptions change nothing there.
  nat::collect_garbage(nft, "testnet", {"c2/eth0"});
  CHECK(masquerade_elements() == std::vector<MasqElement>{{"nxbr0", "10.244.1.3", "c2/eth0"}});
  nat::unmasquerade(nft, plain, {});
  CHECK(masquerade_elements().empty());
  CHECK(owner_tokens_v4().empty());
}
