#pragma once
// Runs a CNI plugin exactly as a runtime does: a clean environment of CNI_* variables and the config on stdin.
#include <nlohmann/json.hpp>
#include <map>
#include <string>

#include "tests/testutil/command.h"

namespace nexus::testutil {

/// Directory holding the built nexus plugins (the build dir).
std::string nexus_plugin_dir();
/// Directory of the reference plugins (Debian containernetworking-plugins).
inline constexpr const char* kReferencePluginDir = "/usr/lib/cni";
/// CNI_PATH that finds ours first, then the reference plugins.
std::string default_cni_path();

struct PluginCall {
  std::string command{};       // CNI_COMMAND
  std::string container_id{};  // CNI_CONTAINERID (omitted when empty)
  std::string netns{};         // CNI_NETNS (omitted when empty)
  std::string ifname{};        // CNI_IFNAME (omitted when empty)
  std::string args{};          // CNI_ARGS (omitted when empty)
  std::string cni_path = default_cni_path();
  std::map<std::string, std::string> extra_env{};  // more variables, or overrides
};

struct PluginRun {
  int exit_code;
  std::string out;
  std::string err;
  /// stdout parsed; an empty object when stdout is empty; fails the test when it is not JSON.
  nlohmann::json json() const;
  /// The error code printed on stdout (0 when none).
  unsigned error_code() const;
};

/// `conf` with `add`'s result as its prevResult, for the CHECK or DEL of that attachment.
nlohmann::json with_prev(nlohmann::json conf, const PluginRun& add);

/// Runs `plugin_path` with the call's environment and `config` on stdin.
PluginRun run_plugin(const std::string& plugin_path, const PluginCall& call, const std::string& config);
inline PluginRun run_plugin(const std::string& plugin_path, const PluginCall& call, const nlohmann::json& config) {
  return run_plugin(plugin_path, call, config.dump());
}

}  // namespace nexus::testutil
