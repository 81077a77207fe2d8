#pragma once
// Probes for optional kernel features a case needs, each run with iproute2 in a throwaway netns of its own, so it
// shows the feature is there or really missing (the precondition for NEXUS_SKIP_WITHOUT_KERNEL_FEATURE) without
// touching the case's namespaces. An answer other than "created" or "not supported" fails the test: a probe that
// breaks must not read as a missing feature.
namespace nexus::testutil {

/// The feature names the skip markers print.
inline constexpr const char* kBridgeVlanFiltering = "bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)";
inline constexpr const char* kVlan8021q = "802.1Q VLAN interfaces (CONFIG_VLAN_8021Q)";

/// `ip link add type bridge vlan_filtering 1` works.
bool kernel_has_bridge_vlan_filtering();
/// `ip link add link <veth> type vlan id 10` works (VLAN sub-interfaces, module 8021q).
bool kernel_has_8021q();

}  // namespace nexus::testutil
