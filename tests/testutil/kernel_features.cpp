#include "tests/testutil/kernel_features.h"

#include <doctest/doctest.h>

#include "tests/testutil/netns_fixture.h"

namespace nexus::testutil {
namespace {

// Runs `setup` (prerequisites, which must work) and then `probe` in a fresh netns; true when the probe created
// its link, false when the kernel said it cannot ("Operation not supported", "Unknown device type").
bool probe(const std::string& setup, const std::string& probe_command) {
  const TestNetns ns("nxprobe");
  if (!setup.empty()) {
    const CommandResult prepared = run_in_netns(ns, setup);
    REQUIRE_MESSAGE(prepared.exit_code == 0, setup << ": " << prepared.err);
  }
  const CommandResult r = run_in_netns(ns, probe_command);
  if (r.exit_code == 0) return true;
  const bool unsupported = r.err.find("Operation not supported") != std::string::npos ||
                           r.err.find("Unknown device type") != std::string::npos;
  REQUIRE_MESSAGE(unsupported, probe_command << " failed for another reason: " << r.err);
  return false;
}

}  // namespace

bool kernel_has_bridge_vlan_filtering() { return probe("", "ip link add nxprobe0 type bridge vlan_filtering 1"); }

bool kernel_has_8021q() {
  return probe("ip link add nxprobe0 type veth peer name nxprobe1",
               "ip link add link nxprobe0 name nxprobe0.10 type vlan id 10");
}

}  // namespace nexus::testutil
