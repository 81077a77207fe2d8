#pragma once
// Running another CNI plugin: find it in CNI_PATH, exec it with an environment and stdin, collect its output.
#include <functional>
#include <string>
#include <string_view>

#include "shared/cni/request.h"

namespace nexus::cni {

struct ExecResult {
  int exit_code = 0;    // the exit status, or 128+signal when killed
  int term_signal = 0;  // the signal that killed it, 0 when it exited
  std::string out;      // stdout
  std::string err;      // stderr, when captured
};

/// Absolute path of the executable `type` in the ':'-separated `cni_path`; code 7 when it is in none of them.
std::string find_plugin(const std::string& type, const std::string& cni_path);

/// Runs `path` with exactly `env` and `stdin_data`. With `capture_stderr` false the child's stderr is ours, so
/// its logs reach the runtime. Throws (code 999) only when the child cannot be started.
///
/// `release_stdin`, when given, is called once all of stdin is written and before it is closed: a plugin
/// reads its whole configuration before it acts, so until then it has only started up. Returning false kills
/// it there, before it could act.
ExecResult exec_plugin(const std::string& path, const Environment& env, std::string_view stdin_data,
                       bool capture_stderr = false, const std::function<bool()>& release_stdin = {});

}  // namespace nexus::cni
