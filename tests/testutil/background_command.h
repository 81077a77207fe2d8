#pragma once
// A long-running program started by a test (a daemon, or a client that stays in the foreground) that the test
// waits for or stops later, with what it printed kept in files.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace nexus::testutil {

/// argv[0] (searched in PATH) started in the caller's netns with the inherited environment, stdin /dev/null,
/// stdout and stderr to `<log_prefix>.out` / `<log_prefix>.err`. The destructor SIGKILLs and reaps it when it
/// still runs, so a failed check never leaves it behind.
class BackgroundCommand {
 public:
  BackgroundCommand(const std::vector<std::string>& argv, const std::string& log_prefix);
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  pid_t pid() const { return pid_; }
  /// Not exited yet.
  bool running();
  /// Waits up to `limit` for it to exit: its exit code (128+signal when killed), nullopt when it still runs.
  std::optional<int> wait_for(std::chrono::milliseconds limit);
  /// SIGTERM, then SIGKILL when it has not exited within `grace`; reaped either way. Its exit code.
  int stop(std::chrono::milliseconds grace);
  std::string out() const;
  std::string err() const;

 private:
  std::string log_prefix_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace nexus::testutil
