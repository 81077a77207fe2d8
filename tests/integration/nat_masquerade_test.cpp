// Masquerade through libnftables, each case in its own throwaway host netns (nftables state is per netns).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "shared/cni/error.h"
#include "shared/nat/masquerade.h"
#include "shared/net/addr.h"
#include "shared/net/bridge.h"
#include "shared/net/route.h"
#include "shared/net/sysctl.h"
#include "shared/net/veth.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/process_race.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;
using net::IpPrefix;

namespace {

std::vector<IpPrefix> ips(std::initializer_list<const char*> texts) {
  std::vector<IpPrefix> out;
  for (const char* t : texts) out.push_back(IpPrefix::parse(t));
  return out;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

std::string nft_list(const std::string& what) { return run_shell("nft list " + what + " 2>&1").out; }

}  // namespace

TEST_CASE("add_masquerade builds table, chains and one element per address; idempotent" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  const std::string chain = nat::network_chain("testnet", ips({"fd88::/64", "10.88.0.0/24"}));
  nat::add_masquerade("testnet", ips({"10.88.0.2/24", "fd88::2/64"}), ips({"10.88.0.0/24", "fd88::/64"}));
  nat::add_masquerade("testnet", ips({"10.88.0.2/24", "fd88::2/64"}), ips({"10.88.0.0/24", "fd88::/64"}));
  CHECK(nft_list("map inet nexus masq_v4").find("10.88.0.2 : jump " + chain) != std::string::npos);
  CHECK(nft_list("map inet nexus masq_v6").find("fd88::2 : jump " + chain) != std::string::npos);
  const std::string base = nft_list("chain inet nexus postrouting");
  CHECK(count(base, "vmap @masq_v") == 2);
  const std::string rules = nft_list("chain inet nexus " + chain);
  CHECK(count(rules, "masquerade") == 1);
  CHECK(rules.find("ip daddr { 10.88.0.0/24, 224.0.0.0/4 } return") != std::string::npos);
  CHECK(rules.find("ip6 daddr { fd88::/64, ff00::/8 } return") != std::string::npos);
  nat::Nft nft;
  std::vector<IpPrefix> listed = nat::list_masqueraded(nft, "testnet");
  CHECK(listed.size() == 2);
  CHECK(nat::missing_masquerade(nft, "testnet", ips({"10.88.0.2", "fd88::2"})).empty());
  CHECK(nat::missing_masquerade(nft, "testnet", ips({"10.88.0.3"})).size() == 1);
  CHECK(nat::list_masqueraded(nft, "othernet").empty());
}

TEST_CASE("remove_masquerade succeeds when absent and creates nothing on a clean host" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::remove_masquerade("testnet", ips({"10.88.0.2"}));
  CHECK(run_shell("nft list tables").out.empty());
  nat::add_masquerade("testnet", ips({"10.88.0.2", "10.88.0.3"}), ips({"10.88.0.0/24"}));
  nat::remove_masquerade("testnet", ips({"10.88.0.2"}));
  CHECK(nft_list("map inet nexus masq_v4").find("10.88.0.2 ") == std::string::npos);
  CHECK(nft_list("map inet nexus masq_v4").find("10.88.0.3 ") != std::string::npos);
  nat::remove_masquerade("testnet", ips({"10.88.0.2", "10.88.0.3", "fd88::9"}));  // partly absent
  nat::Nft nft;
  CHECK(nat::list_masqueraded(nft, "testnet").empty());
  nat::remove_masquerade("never-added", ips({"10.88.0.3"}));
}

TEST_CASE("gc_masquerade keeps listed addresses and removes the rest of its network only" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::add_masquerade("a", ips({"10.1.0.2", "10.1.0.3", "10.1.0.4"}), ips({"10.1.0.0/24"}));
  nat::add_masquerade("b", ips({"10.2.0.2"}), ips({"10.2.0.0/24"}));
  nat::Nft nft;
  const std::vector<IpPrefix> removed = nat::gc_masquerade(nft, "a", ips({"10.1.0.3"}));
  CHECK(removed.size() == 2);
  const std::vector<IpPrefix> left = nat::list_masqueraded(nft, "a");
  REQUIRE(left.size() == 1);
  CHECK(left[0].ip_string() == "10.1.0.3");
  CHECK(nat::list_masqueraded(nft, "b").size() == 1);
}

TEST_CASE("network names with any characters get a safe chain name" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  const std::string weird = "we ird\"; flush ruleset; {x}";
  CHECK(nat::network_chain(weird).size() == 18);
  CHECK(nat::network_chain(weird, ips({"10.3.0.0/24"})).size() == 27);
  CHECK(nat::network_chain(weird) != nat::network_chain("weird"));
  nat::add_masquerade(weird, ips({"10.3.0.2"}), ips({"10.3.0.0/24"}));
  nat::Nft nft;
  CHECK(nat::list_masqueraded(nft, weird).size() == 1);
}

TEST_CASE("an address already masqueraded for another network is an error" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::add_masquerade("a", ips({"10.1.0.2"}), ips({"10.1.0.0/24"}));
  CHECK_THROWS_AS(nat::add_masquerade("b", ips({"10.1.0.2"}), ips({"10.1.0.0/24"})), cni::Error);
}

TEST_CASE("20 processes adding masquerade at once: all succeed, no duplicate rules" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  const int failures = race_children(20, [](int i) {
    nat::add_masquerade("racenet", {IpPrefix::parse("10.9.0." + std::to_string(i + 2))}, ips({"10.9.0.0/24"}));
    return 0;
  });
  CHECK(failures == 0);
  nat::Nft nft;
  CHECK(nat::list_masqueraded(nft, "racenet").size() == 20);
  CHECK(count(nft_list("chain inet nexus postrouting"), "vmap") == 2);
  CHECK(count(nft_list("chain inet nexus " + nat::network_chain("racenet", ips({"10.9.0.0/24"}))), "masquerade") == 1);
}

TEST_CASE("add and remove cost (reported)" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  std::vector<IpPrefix> many;
  for (int i = 0; i < 250; ++i) many.push_back(IpPrefix::parse("10.5." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 2)));
  const std::vector<IpPrefix> subnets = ips({"10.5.0.0/16"});
  nat::add_masquerade(nft, "perf", many, subnets);
  constexpr int kRounds = 30;
  using clock = std::chrono::steady_clock;
  const auto us = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); };
  double add = 0, remove = 0, fresh_add = 0, fresh_remove = 0;
  for (int i = 0; i < kRounds; ++i) {  // one context reused (a launcher could do this)
    const std::vector<IpPrefix> one = {IpPrefix::parse("10.5.9." + std::to_string(i + 2))};
    const auto t0 = clock::now();
    nat::add_masquerade(nft, "perf", one, subnets);
    const auto t1 = clock::now();
    nat::remove_masquerade(nft, "perf", one);
    add += us(t0, t1);
    remove += us(t1, clock::now());
  }
  // A fresh context per call, as a plugin process has. Adds first, with no delete pending: a delete leaves
  // kernel destroy work behind, and closing any nftables socket waits for it (an RCU grace period).
  for (int i = 0; i < kRounds; ++i) {
    const auto t0 = clock::now();
    nat::add_masquerade("perf", {IpPrefix::parse("10.5.8." + std::to_string(i + 2))}, subnets);
    fresh_add += us(t0, clock::now());
  }
  for (int i = 0; i < kRounds; ++i) {
    const auto t0 = clock::now();
    nat::remove_masquerade("perf", {IpPrefix::parse("10.5.8." + std::to_string(i + 2))});
    fresh_remove += us(t0, clock::now());
  }
  MESSAGE("masquerade, 250 elements present, mean of " << kRounds << ": add " << add / kRounds << " us, remove "
          << remove / kRounds << " us; with a fresh nft context (create+run+free): add " << fresh_add / kRounds
          << " us, remove " << fresh_remove / kRounds << " us (includes the kernel's wait at socket close)");
  CHECK(nat::list_masqueraded(nft, "perf").size() == 250);
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
    net::ensure_gateway_address(to_container.host, br, IpPrefix::parse("10.88.0.1/24"), false);
    const net::VethPair c = net::create_veth(to_container, {.host_name = "nxh0", .peer_name = "eth0", .master_index = br.index});
    net::ensure_address(to_container.container, c.peer.index, IpPrefix::parse("10.88.0.2/24"));
    net::ensure_route(to_container.container, {.dst = IpPrefix::parse("0.0.0.0/0"), .gateway = IpPrefix::parse("10.88.0.1"),
                                               .ifindex = c.peer.index});
    const net::VethPair up = net::create_veth(to_outside, {.host_name = "nxup0", .peer_name = "eth0"});
    net::ensure_address(to_outside.host, up.host.index, IpPrefix::parse("198.51.100.254/24"));
    net::ensure_address(to_outside.container, up.peer.index, IpPrefix::parse("198.51.100.1/24"));
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
  nat::add_masquerade("testnet", ips({"10.88.0.2/24"}), ips({"10.88.0.0/24"}));
  CHECK(t.container_pings_outside());
  CHECK(t.seen_from("198.51.100.254") >= 1);
  CHECK(run_shell("ping -c1 -W3 10.88.0.2").exit_code == 0);  // inside the subnet: not translated, still fine
  nat::remove_masquerade("testnet", ips({"10.88.0.2/24"}));
  const int translated = t.seen_from("198.51.100.254");
  CHECK_FALSE(t.container_pings_outside(1));
  CHECK(t.seen_from("198.51.100.254") == translated);
}
