#pragma once
// Reading kernel and tool state for a check (ip, nft, iptables-save, podman ps). A check that something is
// absent must not pass because the tool failed and printed nothing: these fail the test when the inspection
// itself fails (non-zero exit), naming the command and what it printed on stderr.
#include <string>
#include <vector>

#include "tests/testutil/command.h"

namespace nexus::testutil {

class TestNetns;

/// stdout of `sh -c shell_command`; the test fails (REQUIRE) when it exits non-zero. Keep pipelines out of it
/// (`a | grep -c` hides a's failure): inspect the tool's output in C++ instead.
std::string inspect(const std::string& shell_command, const CommandOptions& options = {});
/// stdout of argv; the test fails (REQUIRE) when it exits non-zero.
std::string inspect(const std::vector<std::string>& argv, const CommandOptions& options = {});
/// Same, inside `ns`.
std::string inspect_in(const TestNetns& ns, const std::string& shell_command);

/// Names of the links `ip -o link show <filter>` lists here (filter e.g. "type veth"); the test fails if ip does.
std::vector<std::string> link_names(const std::string& filter = "");
/// Same inside `ns`.
std::vector<std::string> link_names_in(const TestNetns& ns, const std::string& filter = "");
/// True when the calling thread's netns has a link called `name` (ip must succeed).
bool has_link(const std::string& name);
/// True when `ns` has a link called `name` (ip must succeed).
bool has_link_in(const TestNetns& ns, const std::string& name);

/// Lines of `text` that contain `needle`.
int count_lines_with(const std::string& text, const std::string& needle);

}  // namespace nexus::testutil
