#pragma once
// Identifier rules, exactly as libcni enforces them (pkg/utils/utils.go), so anything a runtime accepts we accept.
#include <string_view>

namespace nexus::cni {

/// `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`: container IDs and network names (also keeps them safe as file names).
bool is_valid_identifier(std::string_view id);
/// At most 15 bytes, not empty, not "." or "..", no '/', ':' or whitespace.
bool is_valid_ifname(std::string_view name);

/// Throw code 4 naming CNI_CONTAINERID / CNI_IFNAME; code 7 naming the network name.
void validate_container_id(std::string_view id);
void validate_ifname(std::string_view name);
void validate_network_name(std::string_view name);
/// A plugin type names a file in CNI_PATH: no path separators, not empty (code 7 naming `key`).
void validate_plugin_type(std::string_view type, std::string_view key);

}  // namespace nexus::cni
