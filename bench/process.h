#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nexus::bench {

/// One program to run: what a runtime hands a CNI plugin (argv, env, stdin), optionally inside a netns.
struct Command {
  std::string path;                 ///< absolute path of the executable
  std::vector<std::string> args;    ///< argv[1..]
  std::vector<std::string> env;     ///< the whole environment ("KEY=value"), nothing inherited
  std::string stdin_data;           ///< written to the child's stdin, then closed
  std::string netns_path;           ///< when set, the child enters this netns before exec
  bool discard_output = false;      ///< stdout and stderr to /dev/null (background servers)
};

/// What one run gave: exit status, wall time, peak memory and output.
struct Outcome {
  bool exited_zero = false;
  bool timed_out = false;
  int status = 0;                   ///< raw wait status
  double seconds = 0;               ///< spawn to exit, as the spawner saw them
  long maxrss_kb = 0;               ///< wait4 ru_maxrss: max of the child and the descendants it waited for
  std::string out;
  std::string err;
  std::string describe() const;     ///< "exit 1: <stderr/stdout head>" for failure messages
};

/// Thrown when the user interrupts (SIGINT/SIGTERM) or the global time limit passes.
struct Stop : std::exception {
  const char* what() const noexcept override { return "stopped"; }
};

/// Installs SIGINT/SIGTERM/SIGHUP handlers that make every wait throw Stop (cleanup then runs via RAII).
void install_stop_handlers();
/// Ends the whole run at this instant (steady clock); waits throw Stop past it.
void set_global_deadline(std::chrono::steady_clock::time_point deadline);
/// Throws Stop when a signal arrived or the global deadline passed.
void check_stop();

/// Runs `commands` with at most `max_inflight` alive at once; each is killed after `timeout`.
/// Results come back in the order of `commands`. Throws Stop (after killing and reaping all children).
std::vector<Outcome> run_all(const std::vector<Command>& commands, size_t max_inflight,
                             std::chrono::milliseconds timeout);

/// Runs one command to completion.
Outcome run_one(const Command& command, std::chrono::milliseconds timeout);

/// Starts a long-running command (e.g. an iperf3 server) in the background; killed and reaped when destroyed.
class Background {
 public:
  explicit Background(const Command& command);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

 private:
  uint64_t id_ = 0;  ///< the spawner's id of the child
};

}  // namespace nexus::bench
