// Cost of adding and removing one container's masquerade element with 250 present: a measurement, not a
// test, so it lives here, not in the suite. Needs root (a throwaway host netns).
//   ./build/bench/measurements/nexus-measure -tc='*masquerade*'
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/nat/masquerade.h"
#include "tests/testutil/netns_fixture.h"

using namespace nexus;
using namespace nexus::testutil;

TEST_CASE("masquerade: add and remove cost") {
  HostNetns host;
  nat::Nft nft;
  std::vector<IpPrefix> many;
  for (int i = 0; i < 250; ++i) many.push_back(parse_prefix("10.5." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 2) + "/16", "address"));
  nat::masquerade(nft, {"perf", "nxbr0", "many/eth0"}, many);
  constexpr int kRounds = 30;
  using clock = std::chrono::steady_clock;
  const auto us = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); };
  double add = 0, remove = 0, fresh_add = 0, fresh_remove = 0;
  for (int i = 0; i < kRounds; ++i) {  // one context reused (a launcher could do this)
    const std::vector<IpPrefix> one = {parse_prefix("10.5.9." + std::to_string(i + 2) + "/16", "address")};
    const auto t0 = clock::now();
    nat::masquerade(nft, {"perf", "nxbr0", "one/eth0"}, one);
    const auto t1 = clock::now();
    nat::unmasquerade(nft, {"perf", "nxbr0", "one/eth0"}, one);
    add += us(t0, t1);
    remove += us(t1, clock::now());
  }
  // A fresh context per call, as a plugin process has. Adds first, with no delete pending: a delete leaves
  // kernel destroy work behind, and closing any nftables socket waits for it (an RCU grace period).
  for (int i = 0; i < kRounds; ++i) {
    const auto t0 = clock::now();
    nat::Nft fresh;
    nat::masquerade(fresh, {"perf", "nxbr0", "f" + std::to_string(i) + "/eth0"},
                    {parse_prefix("10.5.8." + std::to_string(i + 2) + "/16", "address")});
    fresh_add += us(t0, clock::now());
  }
  for (int i = 0; i < kRounds; ++i) {
    const auto t0 = clock::now();
    nat::Nft fresh;
    nat::unmasquerade(fresh, {"perf", "nxbr0", "f" + std::to_string(i) + "/eth0"},
                      {parse_prefix("10.5.8." + std::to_string(i + 2) + "/32", "address")});
    fresh_remove += us(t0, clock::now());
  }
  MESSAGE("masquerade, 250 elements present, mean of " << kRounds << ": add " << add / kRounds << " us, remove "
          << remove / kRounds << " us; with a fresh nft context (create+run+free): add " << fresh_add / kRounds
          << " us, remove " << fresh_remove / kRounds << " us (includes the kernel's wait at socket close)");
}
