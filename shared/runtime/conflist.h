#pragma once
// Network configuration lists (SPEC section 1): loading from conf dirs as libcni does, and the built-in default.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nexus::runtime {

/// One network: a list of plugin configurations run in order.
struct NetworkConfigList {
  std::string name;
  std::string cni_version;                ///< the `cniVersion` key
  std::vector<std::string> cni_versions;  ///< `cniVersion` plus every entry of `cniVersions`
  bool disable_check = false;
  bool disable_gc = false;
  std::vector<nlohmann::json> plugins;  ///< each has a string `type`
  std::string bytes;                    ///< the configuration as read, cached with every attachment (libcni)
  std::string source;                   ///< file it came from, or "built-in"
};

/// Parses a conflist (or, when it has `type` and no `plugins`, a single-plugin .conf, as libcni converts
/// them). Throws Error code 6 for bad JSON, 7 for a missing or invalid key (named in the message).
NetworkConfigList parse_conflist(const std::string& bytes, const std::string& source);

/// The first network called `name` in `dirs` (each dir's *.conflist, *.conf, *.json in name order, as libcni);
/// files that do not parse are skipped. nullopt when none defines it.
std::optional<NetworkConfigList> find_network(const std::string& name, const std::vector<std::string>& dirs);

/// find_network(), else the built-in network when `name` is its name; otherwise throws Error code 7
/// saying which directories were searched.
NetworkConfigList load_network(const std::string& name, const std::vector<std::string>& dirs);

/// Name of the built-in network.
inline constexpr const char* kDefaultNetwork = "nexus";

/// The built-in default (same as conf/10-nexus.conflist): bridge nexus0, 10.0.42.0/24 via 10.0.42.1, masquerade, hairpin (nexus-bridge + nexus-ipam).
NetworkConfigList builtin_network();

/// Conf dirs searched when none is given: /etc/cni/net.d, then `<exe_dir>/../conf` and `<exe_dir>/conf`.
std::vector<std::string> default_conf_dirs(const std::string& exe_dir);

/// True for a valid network name (SPEC: alphanumeric start, then alphanumerics, '_', '.', '-').
bool valid_network_name(const std::string& name);

}  // namespace nexus::runtime
