// Waiting for IPv6 DAD on netlink events.
#include <doctest/doctest.h>

#include <chrono>

#include "shared/cni/error.h"
#include "shared/net/addr.h"
#include "shared/net/address_settle.h"
#include "shared/net/sysctl.h"
#include "shared/net/veth.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;
using net::IpPrefix;

namespace {

// A container eth0 whose DAD probes go out every `retrans_ms` (`probes` of them) instead of the 1 s default.
struct DadContainer {
  ContainerNetns container;
  net::Sockets nl = net::Sockets::open(container.path());
  net::VethPair veth = net::create_veth(nl, {.host_name = "nxh0", .peer_name = "eth0"});

  DadContainer(int retrans_ms, int probes) {
    const net::NetnsGuard guard(nl.container_netns);
    net::write_sysctl("net/ipv6/neigh/eth0/retrans_time_ms", std::to_string(retrans_ms));
    net::write_sysctl("net/ipv6/conf/eth0/dad_transmits", std::to_string(probes));
  }
  bool tentative() const {
    for (const net::Address& a : net::list_addresses(nl.container, veth.peer.index, AF_INET6)) {
      if (a.prefix.to_string() == "fd99::2/64") return (a.flags & IFA_F_TENTATIVE) != 0;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("wait_addresses_settled returns once DAD is done" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  DadContainer c(100, 1);
  net::ensure_address(c.nl.container, c.veth.peer.index, IpPrefix::parse("fd99::2/64"));
  CHECK(c.tentative());
  // Woken by the event: at the deadline it would throw code 11 (next case), failing this one. No wall-clock
  // bound, which a loaded machine under ASan could break.
  net::wait_addresses_settled(c.nl.container, c.nl.container_netns, c.veth.peer.index, std::chrono::seconds(60));
  CHECK_FALSE(c.tentative());
  // Nothing tentative: returns at once.
  net::wait_addresses_settled(c.nl.container, c.nl.container_netns, c.veth.peer.index, std::chrono::milliseconds(1));
}

TEST_CASE("wait_addresses_settled gives up with code 11 at the deadline" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  DadContainer c(1000, 5);
  net::ensure_address(c.nl.container, c.veth.peer.index, IpPrefix::parse("fd99::2/64"));
  try {
    net::wait_addresses_settled(c.nl.container, c.nl.container_netns, c.veth.peer.index, std::chrono::milliseconds(200));
    FAIL("expected a timeout");
  } catch (const cni::Error& e) {
    CHECK(e.code() == cni::Code::TryAgainLater);
  }
}
