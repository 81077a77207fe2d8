// Cost of wiring one container over netlink, step by step: a measurement, not a test (timings are not
// pass/fail on a loaded machine), so it lives here, not in the suite. Needs root (a throwaway host netns).
//   ./build/bench/measurements/nexus-measure -tc='*netlink*'
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "shared/net/addr.h"
#include "shared/net/bridge.h"
#include "shared/net/link.h"
#include "shared/net/nl_socket.h"
#include "shared/net/route.h"
#include "shared/net/veth.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"

using namespace nexus;
using namespace nexus::testutil;

TEST_CASE("netlink: cost of wiring one container") {
  HostNetns host;
  using clock = std::chrono::steady_clock;
  const auto us = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); };
  constexpr int kRounds = 50;
  std::vector<std::unique_ptr<ContainerNetns>> containers;
  for (int i = 0; i < kRounds; ++i) containers.push_back(std::make_unique<ContainerNetns>());
  net::ensure_bridge(net::NlSocket::open(), "nxbr9");
  double open = 0, bridge = 0, veth = 0, config = 0, del = 0;
  for (int i = 0; i < kRounds; ++i) {
    const auto t0 = clock::now();
    const net::Sockets nl = net::Sockets::open(containers[i]->path());
    const auto t1 = clock::now();
    const net::Link br = net::ensure_bridge(nl.host, "nxbr9");
    const auto t2 = clock::now();
    const std::string host_name = "nxh" + std::to_string(i);
    const net::VethPair pair = net::create_veth(nl, {.host_name = host_name, .peer_name = "eth0", .master_index = br.index});
    const auto t3 = clock::now();
    net::ensure_address(nl.container, pair.peer.index, parse_prefix("10.42.0." + std::to_string(i + 2) + "/24", "address"));
    net::ensure_route(nl.container, {.dst = parse_prefix("0.0.0.0/0", "dst"), .gateway = parse_address("10.42.0.1", "gateway"),
                                     .ifindex = pair.peer.index});
    const auto t4 = clock::now();
    net::delete_link_by_name(nl.host, host_name);
    const auto t5 = clock::now();
    open += us(t0, t1), bridge += us(t1, t2), veth += us(t2, t3), config += us(t3, t4), del += us(t4, t5);
  }
  MESSAGE("netlink, mean of " << kRounds << ": open netns + 2 sockets " << open / kRounds << " us, ensure_bridge (exists) "
          << bridge / kRounds << " us, create_veth (+ read back, peer up) " << veth / kRounds << " us, address + default route "
          << config / kRounds << " us, delete veth " << del / kRounds << " us");
  CHECK(link_names("type veth").empty());  // every veth was deleted: the figures are of a clean run
}
