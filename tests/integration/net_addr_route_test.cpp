// Addresses, routes, sysctls and netns handles against a real kernel, and a ping through a bridge.
#include <doctest/doctest.h>
#include <linux/if_addr.h>
#include <sys/socket.h>

#include <algorithm>

#include "shared/base/error.h"
#include "shared/net/addr.h"
#include "shared/net/bridge.h"
#include "shared/net/netns.h"
#include "shared/net/route.h"
#include "shared/net/sysctl.h"
#include "shared/net/veth.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;
using nexus::IpAddress;
using nexus::IpPrefix;

namespace {
// Test addresses are literals: a typo fails the test at once.
IpPrefix cidr(const char* text) { return *IpPrefix::parse(text); }
IpAddress addr(const char* text) { return *IpAddress::parse(text); }
}  // namespace

namespace {

bool has_address(const std::vector<net::Address>& list, const std::string& cidr) {
  return std::any_of(list.begin(), list.end(), [&](const net::Address& a) { return a.prefix.to_string() == cidr; });
}

// A container wired to bridge nxbr0 (gateway 10.88.0.1/24, fd88::1/64) with 10.88.0.2/24 and fd88::2/64.
struct Wired {
  ContainerNetns container;
  net::Sockets nl = net::Sockets::open(container.path());
  net::Link bridge = net::ensure_bridge(nl.host, "nxbr0");
  net::VethPair veth = net::create_veth(nl, {.host_name = "nxh0", .peer_name = "eth0", .master_index = bridge.index});

  Wired() {
    net::ensure_gateway_address(nl.host, bridge, cidr("10.88.0.1/24"), false);
    net::ensure_gateway_address(nl.host, bridge, cidr("fd88::1/64"), false);
    net::ensure_address(nl.container, veth.peer.index, cidr("10.88.0.2/24"));
    net::ensure_address(nl.container, veth.peer.index, cidr("fd88::2/64"), {.nodad = true});
    net::ensure_route(nl.container, {.dst = cidr("0.0.0.0/0"), .gateway = addr("10.88.0.1"),
                                     .ifindex = veth.peer.index});
    net::ensure_route(nl.container, {.dst = cidr("::/0"), .gateway = addr("fd88::1"),
                                     .ifindex = veth.peer.index});
  }
};

}  // namespace

TEST_CASE("Netns::open rejects missing paths and non-netns files with code 8" * doctest::skip(skip_root_tests())) {
  for (const char* path : {"/nonexistent/netns", "/etc/hostname", "/proc/self/ns/mnt", "/proc"}) {
    try {
      net::Netns::open(path);
      FAIL("expected an error for " << path);
    } catch (const nexus::Error& e) {
      CHECK(e.code() == nexus::Code::InvalidNetns);
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
  }
  TestNetns ns;
  CHECK(net::Netns::open(ns.path()).inode() != net::Netns::current().inode());
}

TEST_CASE("NetnsGuard switches for a scope and back, also on exceptions" * doctest::skip(skip_root_tests())) {
  TestNetns ns;
  const unsigned long outer = current_netns_inode();
  const net::Netns target = net::Netns::open(ns.path());
  try {
    const net::NetnsGuard guard(target);
    CHECK(current_netns_inode() == target.inode());
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  CHECK(current_netns_inode() == outer);
}

TEST_CASE("a socket opened inside a netns stays bound to it" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  ContainerNetns container;
  REQUIRE(run_in_netns(container, "ip link add nxin0 type bridge").exit_code == 0);
  const net::NlSocket inside = net::NlSocket::open_in(net::Netns::open(container.path()));
  const net::NlSocket here = net::NlSocket::open();
  CHECK(net::find_link(inside, "nxin0").has_value());
  CHECK_FALSE(net::find_link(here, "nxin0").has_value());
}

TEST_CASE("addresses: add, idempotent add, list, delete" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  const net::NlSocket sock = net::NlSocket::open();
  const net::Link br = net::ensure_bridge(sock, "nxbr0");
  CHECK(net::ensure_address(sock, br.index, cidr("10.77.0.1/16")));
  CHECK_FALSE(net::ensure_address(sock, br.index, cidr("10.77.0.1/16")));
  CHECK(net::ensure_address(sock, br.index, cidr("fd77::1/64"), {.nodad = true}));
  const std::vector<net::Address> v4 = net::list_addresses(sock, br.index, AF_INET);
  REQUIRE(v4.size() == 1);
  CHECK(v4[0].prefix.to_string() == "10.77.0.1/16");
  const std::vector<net::Address> v6 = net::list_addresses(sock, br.index, AF_INET6);
  REQUIRE(has_address(v6, "fd77::1/64"));
  for (const net::Address& a : v6) {
    if (a.prefix.to_string() == "fd77::1/64") CHECK((a.flags & IFA_F_NODAD) != 0);
  }
  CHECK(run_shell("ip -o -4 addr show dev nxbr0").out.find("brd 10.77.255.255") != std::string::npos);
  CHECK(net::list_addresses(sock, 1, AF_INET).size() == 1);  // lo: only 127.0.0.1, nothing of the bridge
  CHECK(net::delete_address(sock, br.index, cidr("10.77.0.1/16")));
  CHECK_FALSE(net::delete_address(sock, br.index, cidr("10.77.0.1/16")));
  CHECK(net::list_addresses(sock, br.index, AF_INET).empty());
}

TEST_CASE("ensure_gateway_address: idempotent, conflicts need force, other subnets coexist" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  const net::NlSocket sock = net::NlSocket::open();
  const net::Link br = net::ensure_bridge(sock, "nxbr0");
  net::ensure_gateway_address(sock, br, cidr("10.66.0.1/24"), false);
  net::ensure_gateway_address(sock, br, cidr("10.66.0.1/24"), false);
  net::ensure_gateway_address(sock, br, cidr("10.67.0.1/24"), false);  // another range, same bridge
  try {
    net::ensure_gateway_address(sock, br, cidr("10.66.0.254/24"), false);
    FAIL("expected a conflict");
  } catch (const nexus::Error& e) {
    CHECK(e.code() == nexus::Code::InvalidConfig);
    CHECK(std::string(e.what()).find("10.66.0.1/24") != std::string::npos);
  }
  net::ensure_gateway_address(sock, br, cidr("10.66.0.254/24"), true);
  const std::vector<net::Address> v4 = net::list_addresses(sock, br.index, AF_INET);
  CHECK(v4.size() == 2);
  CHECK(has_address(v4, "10.66.0.254/24"));
  CHECK(has_address(v4, "10.67.0.1/24"));
  CHECK_FALSE(has_address(v4, "10.66.0.1/24"));
}

TEST_CASE("routes: add with metrics, duplicate is not an error, list, delete" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  ContainerNetns container;
  const net::Sockets nl = net::Sockets::open(container.path());
  const net::VethPair veth = net::create_veth(nl, {.host_name = "nxh0", .peer_name = "eth0"});
  const int eth0 = veth.peer.index;
  net::ensure_address(nl.container, eth0, cidr("10.99.0.2/24"));
  const net::RouteSpec dflt{.dst = cidr("0.0.0.0/0"), .gateway = addr("10.99.0.1"),
                            .ifindex = eth0, .mtu = 1400, .advmss = 1360, .priority = 50};
  CHECK(net::ensure_route(nl.container, dflt));
  CHECK_FALSE(net::ensure_route(nl.container, dflt));
  CHECK(net::ensure_route(nl.container, {.dst = cidr("192.0.2.0/24"), .ifindex = eth0}));
  const CommandResult shown = run_in_netns(container, "ip -4 route show default");
  CHECK(shown.out.find("default via 10.99.0.1 dev eth0") != std::string::npos);
  CHECK(shown.out.find("metric 50") != std::string::npos);
  CHECK(shown.out.find("mtu 1400") != std::string::npos);
  CHECK(shown.out.find("advmss 1360") != std::string::npos);
  const std::vector<net::Route> routes = net::list_routes(nl.container, eth0, AF_INET);
  CHECK(routes.size() == 3);  // default, 192.0.2.0/24, and the kernel's 10.99.0.0/24
  const auto dflt_it = std::find_if(routes.begin(), routes.end(), [](const net::Route& r) { return r.dst.length() == 0; });
  REQUIRE(dflt_it != routes.end());
  CHECK(dflt_it->gateway->to_string() == "10.99.0.1");
  CHECK(dflt_it->mtu == 1400);
  CHECK(dflt_it->priority == 50);
  CHECK(net::list_routes(nl.host, veth.host.index, AF_INET).empty());
  CHECK(net::delete_route(nl.container, dflt));
  CHECK_FALSE(net::delete_route(nl.container, dflt));
  CHECK(net::list_routes(nl.container, eth0, AF_INET).size() == 2);
}

TEST_CASE("sysctl writes land in the netns the thread is in" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  ContainerNetns container;
  const std::optional<std::string> before = net::read_sysctl("net/ipv4/ip_forward");
  REQUIRE(before.has_value());
  {
    const net::NetnsGuard guard(net::Netns::open(container.path()));
    net::enable_forwarding(true, true);
    CHECK(net::read_sysctl("net/ipv4/ip_forward") == "1");
    CHECK(net::read_sysctl("net/ipv6/conf/all/forwarding") == "1");
    CHECK_FALSE(net::ensure_sysctl("net/ipv4/ip_forward", "1"));
  }
  CHECK(net::read_sysctl("net/ipv4/ip_forward") == before);
  CHECK(run_in_netns(container, "cat /proc/sys/net/ipv4/ip_forward").out == "1\n");
  CHECK_FALSE(net::read_sysctl("net/ipv4/conf/nope0/forwarding").has_value());
  CHECK_THROWS_AS(net::write_sysctl("net/ipv4/conf/nope0/forwarding", "1"), nexus::Error);
  CHECK_THROWS_AS(net::write_sysctl("../etc/passwd", "x"), nexus::Error);
}

TEST_CASE("a container wired through the bridge answers pings over IPv4 and IPv6" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  Wired w;
  CHECK(run_shell("ping -c1 -W3 10.88.0.2").exit_code == 0);
  CHECK(run_in_netns(w.container, "ping -c1 -W3 10.88.0.1").exit_code == 0);
  CHECK(run_shell("ping -6 -c1 -W3 fd88::2").exit_code == 0);
  CHECK(run_in_netns(w.container, "ping -6 -c1 -W3 fd88::1").exit_code == 0);
  CHECK(run_in_netns(w.container, "ip -o addr show dev eth0").out.find("10.88.0.2/24") != std::string::npos);
}
