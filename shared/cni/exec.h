#pragma once
// Running another CNI plugin: find it in CNI_PATH, exec it with an environment and stdin, collect its output.
#include <sys/types.h>

#include <string>
#include <string_view>

#include "shared/cni/request.h"
#include "shared/util/unique_fd.h"

namespace nexus::cni {

struct ExecResult {
  int exit_code = 0;    // the exit status, or 128+signal when killed
  int term_signal = 0;  // the signal that killed it, 0 when it exited
  std::string out;      // stdout
  std::string err;      // stderr, when captured
};

/// Absolute path of the executable `type` in the ':'-separated `cni_path`; code 7 when it is in none of them.
std::string find_plugin(const std::string& type, const std::string& cni_path);

/// A plugin process running while the caller does other work; no thread is involved. Its stdin is written
/// as far as the pipe takes it at once, the rest by finish().
///
/// With `hold_stdin`, stdin stays open after the configuration until release(): a plugin reads its whole
/// configuration before it acts, so until then it has only started up. release(false) kills it there,
/// before it could act.
class RunningPlugin {
 public:
  /// Starts `path` with exactly `env` and `stdin_data` (which must outlive the object). With `capture_stderr`
  /// false the child's stderr is ours, so its logs reach the runtime. Throws (code 999) when it cannot start.
  RunningPlugin(const std::string& path, const Environment& env, std::string_view stdin_data, bool capture_stderr,
                bool hold_stdin);
  RunningPlugin(RunningPlugin&&) noexcept;
  RunningPlugin& operator=(RunningPlugin&&) = delete;
  /// Kills a plugin held at its stdin, then waits for it; a plugin already released is waited for.
  ~RunningPlugin();

  /// Lets a held plugin see the end of its stdin (go) or kills it (!go). No-op after the first call.
  void release(bool go = true);
  /// Releases, then collects stdout (and stderr) until the plugin exits, and reaps it.
  ExecResult finish();

 private:
  std::string path_;
  pid_t pid_ = -1;
  std::string_view stdin_data_;
  size_t written_ = 0;
  bool held_ = false;
  UniqueFd in_, out_, err_;
  ExecResult result_;
};

/// Runs `path` with exactly `env` and `stdin_data` to completion (see RunningPlugin).
ExecResult exec_plugin(const std::string& path, const Environment& env, std::string_view stdin_data,
                       bool capture_stderr = false);

}  // namespace nexus::cni
