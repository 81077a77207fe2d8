#pragma once
// CNI spec versions as the runtime compares and negotiates them (SPEC "Version considerations").
#include <optional>
#include <string>
#include <vector>

namespace nexus::runtime {

/// a < b by semantic version (cni::parse_version); unparsable versions sort first.
bool version_less(const std::string& a, const std::string& b);

/// Versions this runtime can speak (it must understand the result format of each).
const std::vector<std::string>& runtime_versions();

/// The highest of `wanted` (the network's cniVersion and cniVersions) that the runtime and every entry of
/// `plugin_supported` (one list per plugin; an empty list means "unknown, assume any") support; nullopt if none.
std::optional<std::string> negotiate_version(const std::vector<std::string>& wanted,
                                             const std::vector<std::vector<std::string>>& plugin_supported);

}  // namespace nexus::runtime
