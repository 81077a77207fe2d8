#include "tests/testutil/outside_netns.h"

#include <doctest/doctest.h>

#include "tests/testutil/command.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/wait.h"

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
  // The link-local addresses of a fresh link stay tentative for a second or two (DAD), and until then neighbour
  // discovery between the two ends does not answer: the outside could not reach a published port. A real uplink
  // is long past that.
  const auto settled = [&] {
    return run_shell("ip -6 addr show dev " + link + "-h tentative").out.empty() &&
           run_in_netns(outside, "ip -6 addr show dev " + link + "-o tentative").out.empty();
  };
  REQUIRE_MESSAGE(wait_until(settled, std::chrono::seconds(10)), "DAD on the outside link did not finish");
}

}  // namespace nexus::testutil
