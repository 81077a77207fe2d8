#pragma once
// A delegated plugin that the delegating executable also carries inside: nexus-bridge links nexus-ipam's verbs
// (shared/ipam_plugin) and, when the nexus-ipam it finds in CNI_PATH is of its own build, runs them in-process
// instead of starting that binary. An ADD then pays for one process start instead of two.
//
// How the choice is made (README, "IPAM"): the plugin is looked up in CNI_PATH exactly as for an exec (same
// code, same error when it is missing). It runs in-process only when that file is a 64-bit ELF carrying this
// executable's build identity note (shared/cni/build_identity.h). Anything else (another version of nexus-ipam,
// a wrapper script, a copy with the note stripped, an unreadable file) is exec'd as before. In-process, the verb
// goes through the same skeleton (cni::dispatch) with the same environment and stdin as the binary would get,
// and its stdout and exit code go through the same checks as an exec's, so the result, the errors (code, msg,
// details), the lease files and the locking are those of the binary.
#include <chrono>
#include <string>
#include <string_view>

#include "shared/cni/exec.h"
#include "shared/cni/plugin_main.h"

namespace nexus::cni {

/// Set (to anything but empty or 0) in the delegating plugin's environment: always exec the delegate.
inline constexpr const char* kDelegateExecVariable = "NEXUS_DELEGATE_EXEC";
/// Set likewise: print on stderr, for each delegated call, whether it ran in-process or exec'd which file.
inline constexpr const char* kDelegateTraceVariable = "NEXUS_DELEGATE_TRACE";

struct BuiltinPlugin {
  std::string type;         // the plugin's type ("nexus-ipam")
  PluginHandlers handlers;  // its verbs, exactly as its main() hands them to plugin_main
  std::string identity;     // the build identity its binary must carry to be replaced
  /// The longest the verbs can take by themselves (nexus-ipam: its lock wait). An exec'd delegate is killed at
  /// delegate_timeout(), an in-process one cannot be: with a shorter limit set, the delegate is exec'd, so that
  /// the limit's error (code 11) stays what it was.
  std::chrono::milliseconds longest_run{0};
};

/// Registers the one built-in plugin (main() of the delegating executable, before dispatching).
void register_builtin_plugin(BuiltinPlugin plugin);

/// The built-in plugin to run for `type`, found in CNI_PATH at `path`, or nullptr to exec `path`; traces the choice.
const BuiltinPlugin* builtin_for(const std::string& type, const std::string& path, const std::string& command);

/// Runs `plugin` in-process as its binary would run with `env` and `stdin_data`: its stdout and exit code.
ExecResult run_builtin(const BuiltinPlugin& plugin, const Environment& env, std::string_view stdin_data);

}  // namespace nexus::cni
