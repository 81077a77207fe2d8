#pragma once
// -e/--env and --env-file of `node create` and `node exec`, read as docker and podman read them.
#include <string>
#include <vector>

namespace nexus::launcher {

/// "NAME=value" assignments from --env-file files (in order), then -e values (in order): a later one of a name
/// wins. `NAME=value` sets it; a bare `NAME` takes the launcher's own value and is dropped when that is unset.
/// In files, blank lines and lines starting with '#' are skipped. An empty name, a name with '=' or
/// whitespace, or an unreadable file is a LauncherError naming the value (file:line for files).
std::vector<std::string> parse_env_options(const std::vector<std::string>& env_args,
                                           const std::vector<std::string>& env_files);

}  // namespace nexus::launcher
