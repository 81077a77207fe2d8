// Links, bridges and veths against a real kernel, each case inside its own throwaway host netns.
#include <doctest/doctest.h>
#include <net/if.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "shared/base/error.h"
#include "shared/net/addr.h"
#include "shared/net/bridge.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"
#include "shared/net/route.h"
#include "shared/net/veth.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/process_race.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;

namespace {
size_t count_lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// A throwaway host netns and a container netns, with netlink sockets in both.
struct HostAndContainer {
  HostNetns host;
  ContainerNetns container;
  const net::Sockets nl = net::Sockets::open(container.path());
};
}  // namespace

TEST_CASE("find_link returns nullopt for a missing link, get_link throws" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  const net::NlSocket sock = net::NlSocket::open();
  CHECK_FALSE(net::find_link(sock, "nope0").has_value());
  CHECK_FALSE(net::find_link(sock, "a-name-far-too-long-for-linux").has_value());
  CHECK_THROWS_AS(net::get_link(sock, "nope0"), nexus::Error);
  const net::Link lo = net::get_link(sock, "lo");
  CHECK(lo.index == 1);
  CHECK(lo.is_up());
  CHECK(net::get_link(sock, lo.index).name == "lo");
}

TEST_CASE("ensure_bridge creates an up bridge with a stable MAC, STP off, forward delay 0" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  const net::NlSocket sock = net::NlSocket::open();
  const net::Link br = net::ensure_bridge(sock, "nxbr0", {.mtu = 1400, .promisc = false});
  CHECK(br.kind == "bridge");
  CHECK(br.is_up());
  CHECK(br.mtu == 1400);
  const auto mac = net::bridge_mac("nxbr0");
  CHECK(br.mac == net::format_mac(mac.data(), mac.size()));
  const CommandResult details = run_shell("ip -d link show nxbr0");
  CHECK(details.out.find("forward_delay 0 ") != std::string::npos);
  CHECK(details.out.find("stp_state 0 ") != std::string::npos);
  // Idempotent: a second call returns the same bridge.
  CHECK(net::ensure_bridge(sock, "nxbr0").index == br.index);
}

TEST_CASE("ensure_bridge brings an existing bridge up and rejects a non-bridge" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  const net::NlSocket sock = net::NlSocket::open();
  REQUIRE(run_shell("ip link add nxbr1 type bridge && ip link add nxv1 type veth peer name nxv1p").exit_code == 0);
  CHECK_FALSE(net::get_link(sock, "nxbr1").is_up());
  CHECK(net::ensure_bridge(sock, "nxbr1", {.mtu = std::nullopt, .promisc = true}).is_up());
  CHECK((net::get_link(sock, "nxbr1").flags & IFF_PROMISC) != 0);
  try {
    net::ensure_bridge(sock, "nxv1");
    FAIL("expected an error");
  } catch (const nexus::Error& e) {
    CHECK(e.code() == nexus::Code::InvalidConfig);
    CHECK(std::string(e.what()).find("not a bridge") != std::string::npos);
  }
  CHECK_THROWS_AS(net::ensure_bridge(sock, "bad/name"), nexus::Error);
}

TEST_CASE("20 processes racing to create one bridge: all succeed, one bridge" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  const int failures = race_children(20, [](int) {
    const net::NlSocket sock = net::NlSocket::open();
    const net::Link br = net::ensure_bridge(sock, "nxrace0");
    return br.kind == "bridge" && br.is_up() ? 0 : 2;
  });
  CHECK(failures == 0);
  CHECK(count_lines(run_shell("ip -o link show type bridge").out) == 1);
}

TEST_CASE_FIXTURE(HostAndContainer,
                  "create_veth makes the peer inside the container netns with its final name, in one request" *
                      doctest::skip(skip_root_tests())) {
  const net::Link br = net::ensure_bridge(nl.host, "nxbr2");
  const std::array<unsigned char, 6> mac = {0x02, 0x42, 0x0a, 0x00, 0x00, 0x02};
  const net::VethPair pair = net::create_veth(
      nl, {.host_name = "nxh0", .peer_name = "eth0", .mtu = 1450, .peer_mac = mac, .master_index = br.index, .up = true});
  CHECK(pair.host.name == "nxh0");
  CHECK(pair.host.master == br.index);
  CHECK(pair.host.mtu == 1450);
  CHECK(pair.host.is_up());
  CHECK(pair.peer.name == "eth0");
  CHECK(pair.peer.mac == "02:42:0a:00:00:02");
  CHECK(pair.peer.mtu == 1450);
  CHECK(pair.peer.is_up());
  CHECK_FALSE(has_link("eth0"));  // nothing of the peer in the host
  const CommandResult inside = run_in_netns(container, "ip -o link show eth0");
  CHECK(inside.out.find("02:42:0a:00:00:02") != std::string::npos);
  CHECK(inside.out.find("mtu 1450") != std::string::npos);
  CHECK(run_shell("ip -o link show nxh0").out.find("master nxbr2") != std::string::npos);
}

TEST_CASE_FIXTURE(HostAndContainer, "create_veth names the side that already exists" *
                                         doctest::skip(skip_root_tests())) {
  net::create_veth(nl, {.host_name = "nxh1", .peer_name = "eth0"});
  try {
    net::create_veth(nl, {.host_name = "nxh2", .peer_name = "eth0"});
    FAIL("expected an error");
  } catch (const nexus::Error& e) {
    CHECK(std::string(e.what()) == "container interface 'eth0' already exists");
  }
  CHECK_FALSE(net::find_link(nl.host, "nxh2").has_value());  // nothing left behind
  try {
    net::create_veth(nl, {.host_name = "nxh1", .peer_name = "eth1"});
    FAIL("expected an error");
  } catch (const nexus::Error& e) {
    CHECK(std::string(e.what()) == "host interface 'nxh1' already exists");
  }
}

TEST_CASE_FIXTURE(HostAndContainer, "set_master, hairpin, set_up, delete is idempotent" *
                                         doctest::skip(skip_root_tests())) {
  const net::Link br = net::ensure_bridge(nl.host, "nxbr3");
  const net::VethPair pair = net::create_veth(nl, {.host_name = "nxh3", .peer_name = "eth0", .up = false});
  CHECK_FALSE(pair.host.is_up());
  CHECK_FALSE(pair.peer.is_up());
  net::set_master(nl.host, pair.host.index, br.index);
  net::set_hairpin(nl.host, pair.host.index, true);
  net::set_up(nl.host, pair.host.index);
  net::set_up(nl.container, pair.peer.index);
  CHECK(net::get_link(nl.host, "nxh3").master == br.index);
  CHECK(net::get_link(nl.host, "nxh3").is_up());
  CHECK(net::get_link(nl.container, "eth0").is_up());
  CHECK(run_shell("bridge -d link show dev nxh3").out.find("hairpin on") != std::string::npos);
  net::set_hairpin(nl.host, pair.host.index, false);
  CHECK(run_shell("bridge -d link show dev nxh3").out.find("hairpin off") != std::string::npos);
  CHECK(net::delete_link_by_name(nl.host, "nxh3"));
  CHECK_FALSE(net::delete_link_by_name(nl.host, "nxh3"));
  CHECK_FALSE(net::find_link(nl.container, "eth0").has_value());  // the peer went with it
  CHECK_FALSE(net::delete_link(nl.host, pair.host.index));
}

TEST_CASE_FIXTURE(HostAndContainer,
                  "set_port_isolated and port_isolated: on, off, and nothing for a link that is no bridge port" *
                      doctest::skip(skip_root_tests())) {
  const net::Link br = net::ensure_bridge(nl.host, "nxbr4");
  const net::VethPair pair = net::create_veth(nl, {.host_name = "nxh4", .peer_name = "eth0"});
  CHECK_FALSE(net::port_isolated(nl.host, pair.host.index).has_value());  // not on a bridge yet
  net::set_master(nl.host, pair.host.index, br.index);
  CHECK(net::port_isolated(nl.host, pair.host.index) == false);
  net::set_port_isolated(nl.host, pair.host.index, true);
  CHECK(net::port_isolated(nl.host, pair.host.index) == true);
  CHECK(inspect("bridge -d link show dev nxh4").find("isolated on") != std::string::npos);
  net::set_port_isolated(nl.host, pair.host.index, false);
  CHECK(net::port_isolated(nl.host, pair.host.index) == false);
  CHECK(inspect("bridge -d link show dev nxh4").find("isolated off") != std::string::npos);
  CHECK_FALSE(net::port_isolated(nl.host, br.index).has_value());  // the bridge itself is no port
  CHECK(net::delete_link(nl.host, pair.host.index));
  CHECK_FALSE(net::port_isolated(nl.host, pair.host.index).has_value());  // gone
  // Setting the flag on a link that is not a bridge port is the kernel's error, not a silent no-op.
  CHECK(thrown_cni_code([&] { net::set_port_isolated(nl.host, br.index, true); }) > 0);
}
