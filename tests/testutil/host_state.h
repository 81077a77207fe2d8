#pragma once
// Everything a plugin could change in a network namespace and on disk, captured as text so "nothing changed"
// is a comparison of two snapshots, not a check for a few things the test thought of: links with their types
// and masters, addresses, routes of every table, the whole nft ruleset and iptables-save, the forwarding
// sysctls the plugins write, and every file under given directories (path, type, mode, content).
// Each part is read with the tool's exit status checked: a failed inspection fails the test, it never reads
// as "empty". Used by the bad-input matrix; any test that needs "this left no trace" can use it.
#include <map>
#include <string>
#include <vector>

namespace nexus::testutil {

class TestNetns;

struct HostState {
  std::map<std::string, std::string> parts;  // part name ("links", "routes", "files /x", ...) -> its text
  bool operator==(const HostState&) const = default;
};

/// Snapshot of the netns the calling thread is in (e.g. inside a BridgeEnv's HostNetns) plus the file trees
/// under each of `dirs` (which need not exist: a missing tree is recorded as such).
HostState capture_host_state(const std::vector<std::string>& dirs = {});
/// Links, addresses and routes inside `ns` (a container's side).
HostState capture_netns_state(const TestNetns& ns);

/// Human-readable list of the parts that differ, with both versions of each; empty when equal.
std::string describe_changes(const HostState& before, const HostState& after);

}  // namespace nexus::testutil

/// The state now is the state `before` (CHECK: reports every changed part and goes on).
#define CHECK_UNCHANGED(before, after)                                                 \
  do {                                                                                 \
    const std::string nexus_changes_ = ::nexus::testutil::describe_changes((before), (after)); \
    CHECK_MESSAGE(nexus_changes_.empty(), "state changed:\n" << nexus_changes_);      \
  } while (0)
