#pragma once
// Finding and running a CNI plugin binary: the runtime's half of the execution protocol (SPEC section 2).
// Stand-in for shared/cni/exec.h until the lead's version lands; same signatures, namespace nexus::runtime.
#include <string>
#include <string_view>
#include <vector>

namespace nexus::runtime {

/// What a plugin process left behind.
struct ExecResult {
  int exit_code = 0;  ///< exit status, or 128 + signal number when it was killed
  std::string out;    ///< everything it wrote to stdout
  std::string err;    ///< everything it wrote to stderr
};

/// The full path of plugin `type` in the first directory of `cni_path` (colon-separated) that holds an
/// executable of that name; throws cni::Error (code 7 for a bad type, 999 when not found).
std::string find_plugin(const std::string& type, const std::string& cni_path);

/// Runs `path` with exactly `env` ("KEY=value") and `stdin_data` on stdin; collects stdout and stderr.
/// Throws only when the process cannot be started.
ExecResult exec_plugin(const std::string& path, const std::vector<std::string>& env, std::string_view stdin_data);

}  // namespace nexus::runtime
