#pragma once
// The kernel's bridge VLAN state as iproute2 shows it, for VLAN tests and side-by-side comparisons.
#include <string>

namespace nexus::testutil {

/// A port's VLAN table as `bridge -compressvlans -j vlan show` gives it (ranges compressed), one entry per VLAN
/// or range in the kernel's order, e.g. "1 PVID Egress Untagged, 10, 100-4094"; empty when the port has no VLAN.
/// The test fails when bridge does.
std::string vlan_table(const std::string& port);

/// The bridge's vlan_filtering as `ip -d -j link show` reports it.
int vlan_filtering_of(const std::string& bridge);

}  // namespace nexus::testutil
