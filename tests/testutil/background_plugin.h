#pragma once
// A plugin started in the background, so a test can kill it mid-flight, and what /proc says about processes.
#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tests/testutil/temp_dir.h"

namespace nexus::testutil {

/// `plugin` run in the caller's netns with exactly `env` and `config` on stdin (stdout to a file in `scratch`).
class BackgroundPlugin {
 public:
  BackgroundPlugin(const TempDir& scratch, const std::string& plugin, const std::vector<std::string>& env,
                   const std::string& config);
  ~BackgroundPlugin();
  BackgroundPlugin(const BackgroundPlugin&) = delete;
  BackgroundPlugin& operator=(const BackgroundPlugin&) = delete;

  pid_t pid() const { return pid_; }
  /// Not exited yet (a zombie is not running).
  bool running() const;
  void kill();
  /// Reaps it; true when it exited 0 (then stdout_text() is its result).
  bool wait();
  std::string stdout_text() const;

 private:
  std::string out_path_;
  pid_t pid_ = -1;
};

/// The environment a runtime gives a plugin: PATH and the CNI_* variables.
std::vector<std::string> plugin_env(const std::string& command, const std::string& id, const std::string& netns,
                                    const std::string& cni_path);

/// Fields 3 (state) and 4 (parent pid) of /proc/<pid>/stat ({0, 0} when it is gone).
std::pair<char, pid_t> stat_of(pid_t pid);
inline pid_t parent_of(pid_t pid) { return stat_of(pid).second; }
inline char state_of(pid_t pid) { return stat_of(pid).first; }
/// Runs `body` in a forked child that must end by SIGKILLing itself with die_now() where the kill is to land,
/// as a runtime's timeout or the OOM killer would kill a plugin (so that no destructor of the body runs first).
/// Returns once it is dead and reaped. The body must not use doctest's assertions.
void run_until_killed(const std::function<void()>& body);
[[noreturn]] void die_now();
/// Waits up to `timeout_ms` for `pid` to be gone or a zombie (dead, not yet reaped); true when it is.
bool wait_dead(pid_t pid, int timeout_ms);

}  // namespace nexus::testutil
