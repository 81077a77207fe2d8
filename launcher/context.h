#pragma once
// What every command needs: where state, configuration, plugins, netns pins and cgroups live.
#include <string>
#include <vector>

#include "shared/runtime/cni_runtime.h"
#include "shared/runtime/node_store.h"

namespace nexus::launcher {

/// Global options (flags, with NEXUS_* environment fallbacks set up in main.cpp).
struct GlobalOptions {
  std::string state_dir = "/var/lib/nexus";
  std::string conf_dir;  ///< empty: /etc/cni/net.d, then conf/ next to the binary
  std::string cni_path;  ///< colon-separated; empty: the binary's dir, /opt/cni/bin, /usr/lib/cni
  std::string cache_dir = "/var/lib/cni";
  std::string netns_dir = "/run/netns";
  std::string cgroup_root = "/sys/fs/cgroup";
  std::string cgroup_parent = "nexus";
  std::string resolv_conf = "/etc/resolv.conf";                       ///< the host's resolver list
  std::string resolved_conf = "/run/systemd/resolve/resolv.conf";     ///< systemd-resolved's upstream list
  int stop_timeout_ms = 3000;
};

/// Resolved locations for one invocation.
class Context {
 public:
  explicit Context(GlobalOptions options);

  const GlobalOptions& options() const { return options_; }
  const runtime::NodeStore& store() const { return store_; }
  /// Directories searched for network configurations, in order.
  std::vector<std::string> conf_dirs() const;
  /// Directories searched for plugins, in order (CNI_PATH).
  std::vector<std::string> plugin_dirs() const;
  /// A CNI runtime over plugin_dirs() and the cache dir.
  runtime::CniRuntime cni() const { return runtime::CniRuntime(plugin_dirs(), options_.cache_dir); }
  /// Directory of the running nexus binary.
  const std::string& exe_dir() const { return exe_dir_; }

 private:
  GlobalOptions options_;
  std::string exe_dir_;
  runtime::NodeStore store_;
};

}  // namespace nexus::launcher
