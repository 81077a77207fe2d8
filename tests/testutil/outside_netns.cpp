#include "tests/testutil/outside_netns.h"

#include <doctest/doctest.h>

#include "tests/testutil/command.h"
#include "tests/testutil/netns_fixture.h"

namespace nexus::testutil {

void connect_outside(const TestNetns& outside, const std::string& link, const std::string& net) {
  REQUIRE(
      run_shell("ip link add " + link + "-h type veth peer name " + link + "-o netns " + outside.name()).exit_code ==
      0);
  REQUIRE(run_shell("ip addr add " + net + ".254/24 dev " + link + "-h && ip link set " + link + "-h up").exit_code ==
          0);
  REQUIRE(run_in_netns(outside, "ip addr add " + net + ".1/24 dev " + link + "-o && ip link set " + link + "-o up")
              .exit_code == 0);
}

void add_outside_v6(const TestNetns& outside, const std::string& link, const std::string& net6) {
  REQUIRE(run_shell("ip addr add " + net6 + "fe/64 dev " + link + "-h nodad").exit_code == 0);
  REQUIRE(run_in_netns(outside, "ip addr add " + net6 + "1/64 dev " + link + "-o nodad").exit_code == 0);
}

}  // namespace nexus::testutil
