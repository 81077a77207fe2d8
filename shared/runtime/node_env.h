#pragma once
// A node's environment: a clean base (a container does not inherit the launcher's, sudo's variables included)
// plus what the user asked for, later assignments of a name winning.
#include <string>
#include <vector>

namespace nexus::runtime {

/// PATH, HOME=/root, HOSTNAME=`hostname`, then each "NAME=value" of `assignments` (replacing a base variable or
/// an earlier assignment of the same name, in place).
std::vector<std::string> node_environment(const std::string& hostname, const std::vector<std::string>& assignments);

/// `base` with each "NAME=value" of `assignments` set: a name already in `base` is replaced in place.
std::vector<std::string> with_assignments(std::vector<std::string> base, const std::vector<std::string>& assignments);

/// Makes `env` the calling process's whole environment (for a child about to exec: execvp then searches the
/// new PATH).
void replace_environment(const std::vector<std::string>& env);

}  // namespace nexus::runtime
