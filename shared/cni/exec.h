#pragma once
// Running another CNI plugin: find it in CNI_PATH, exec it with an environment and stdin, collect its output.
#include <sys/types.h>

#include <chrono>
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
  std::chrono::milliseconds timed_out{0};  // the limit, when it was killed for not finishing within it
};

/// Absolute path of the executable `type` in the ':'-separated `cni_path`; code 7 when it is in none of them.
std::string find_plugin(const std::string& type, const std::string& cni_path);

/// How a plugin runs beside the caller.
struct SpawnOptions {
  /// With false, the child's stderr is ours, so its logs reach the runtime.
  bool capture_stderr = false;
  /// Hold the plugin before it can act, until release(): its configuration is written but for its last
  /// non-blank byte (the closing '}'). Writing that byte is the go signal. A plugin of any make reads its
  /// whole configuration before acting; if we die first, it reads end of file on a truncated document, fails
  /// to parse it and acts on nothing.
  bool hold_stdin = false;
  /// The plugin is SIGKILLed when we die (spawn.h). With hold_stdin, it never acts alone: before the go
  /// signal it cannot, after it, it dies with us, since whatever it did would be reported to nobody.
  bool die_with_parent = false;
  /// finish() waits at most this long after the go signal (the start, when not held), then kills the plugin
  /// and reaps it (ExecResult::timed_out). Zero: no limit.
  std::chrono::milliseconds timeout{0};
};

/// A plugin process running while the caller does other work; no thread is involved. Its stdin is written
/// as far as the pipe takes it at once, the rest by finish().
class RunningPlugin {
 public:
  /// Starts `path` with exactly `env` and `stdin_data` (which must outlive the object). Throws (code 999) when
  /// it cannot start.
  RunningPlugin(const std::string& path, const Environment& env, std::string_view stdin_data,
                const SpawnOptions& options);
  RunningPlugin(RunningPlugin&&) noexcept;
  RunningPlugin& operator=(RunningPlugin&&) = delete;
  /// Kills a plugin still held, then waits for it; a plugin already released is waited for (with the timeout).
  ~RunningPlugin();

  /// Gives a held plugin the rest of its configuration (go) or kills it (!go). No-op after the first call.
  void release(bool go = true);
  /// Releases, then collects stdout (and stderr) until the plugin exits or the timeout, and reaps it.
  ExecResult finish();
  /// The plugin's process id while it runs; -1 once reaped.
  pid_t pid() const noexcept { return pid_; }

 private:
  void start_clock();
  void kill_and_reap();

  std::string path_;
  pid_t pid_ = -1;
  std::string_view stdin_data_;
  size_t written_ = 0;
  bool held_ = false;  // all of stdin but its last non-blank byte is written until the go signal
  std::chrono::milliseconds timeout_{0};
  std::chrono::steady_clock::time_point deadline_{};
  UniqueFd in_, out_, err_;
  ExecResult result_;
};

/// Runs `path` with exactly `env` and `stdin_data` to completion (see RunningPlugin).
ExecResult exec_plugin(const std::string& path, const Environment& env, std::string_view stdin_data,
                       bool capture_stderr = false);

}  // namespace nexus::cni
