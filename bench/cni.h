#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/process.h"

namespace nexus::bench {

/// The network name every config uses; host-local-style stores keep leases in <dataDir>/<name>/.
inline constexpr const char* kNetworkName = "benchnet";

/// One side of the comparison: where its plugins live and what they are called.
struct Side {
  std::string label;          ///< "nexus" or "ref"
  std::filesystem::path dir;  ///< also the CNI_PATH handed to the plugins
  std::string bridge_plugin;  ///< file name in `dir`
  std::string ipam_plugin;    ///< file name in `dir`
  std::string bridge_device;  ///< Linux bridge the plugin creates ("nexus0", "cni-ref0")
  unsigned subnet_octet;      ///< the side's /16 is 10.<octet>.0.0/16: both bridges share the bench netns
  /// Chained after the bridge plugin to publish ports (the reference's `portmap`); empty: the bridge plugin
  /// publishes them itself, from runtimeConfig.portMappings (nexus-bridge).
  std::string portmap_plugin;

  std::string subnet() const;
  std::string gateway() const;  ///< 10.<octet>.0.1: the bridge's address, an address of the bench's host netns

  bool has_ipam() const;      ///< the IPAM plugin exists and is executable
  bool has_bridge() const;    ///< both plugins exist and are executable
  bool has_portmap() const;   ///< has_bridge(), and the portmap plugin, when one is named, is executable
};

/// The IPAM plugin's config (IPAM plugins get the whole network config).
std::string ipam_config(const Side& side, const std::filesystem::path& data_dir);
/// The bridge plugin's config with `ip_masq`, delegating to the side's IPAM plugin; `options` (a JSON object's
/// text, e.g. {"macspoofchk":true}) adds or overrides keys.
std::string bridge_config(const Side& side, bool ip_masq, const std::filesystem::path& data_dir,
                          const std::string& options = "{}");

/// What a runtime execs: the plugin with CNI_* env and the config on stdin. The container ID is prefixed with
/// the side's label: both sides share one netns, and names derived from (network, container ID), such as the
/// reference's iptables chains, must not collide.
Command cni_command(const Side& side, const std::string& plugin, const std::string& verb,
                    const std::string& container_id, const std::string& netns, const std::string& config);

/// The first IPv4 address (without prefix) in an ADD result, if any.
/// The DEL configuration a libcni runtime sends: `config` with the ADD's result as prevResult (unchanged
/// when the result is not JSON).
std::string config_with_prev_result(const std::string& config, const std::string& add_result);

std::optional<std::string> first_ip(const std::string& result_json);

/// Writes `count` leases in host-local's on-disk format (a file per IP named by the address, content
/// "<cid>\r\n<ifname>") for 10.<octet>.0.2 upward into <data_dir>/benchnet/.
void write_leases(const std::filesystem::path& data_dir, size_t count, const Side& side);

/// Lease files (named by an IP address) left in <data_dir>/benchnet/.
size_t count_leases(const std::filesystem::path& data_dir);

}  // namespace nexus::bench
