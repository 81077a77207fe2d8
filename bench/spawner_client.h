#pragma once
// The bench's end of nexus-bench-spawner (bench/spawner/main.cpp says why plugins are not forked from here).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/spawn_protocol.h"
#include "shared/util/unique_fd.h"

namespace nexus::bench {

class SpawnerClient {
 public:
  /// Starts nexus-bench-spawner from beside this executable; it dies with us.
  SpawnerClient();
  /// Closes the socket: the spawner kills whatever still runs, reaps it and exits; then we reap the spawner.
  ~SpawnerClient();
  SpawnerClient(const SpawnerClient&) = delete;
  SpawnerClient& operator=(const SpawnerClient&) = delete;

  /// Asks for `path` to run with these argv[1..]/env and stdio fds (ours stay open: close them after).
  void spawn(uint64_t id, const std::string& path, const std::vector<std::string>& args,
             const std::vector<std::string>& env, const std::string& netns_path, const int stdio[3],
             std::chrono::milliseconds timeout);
  void kill(uint64_t id);
  /// The next exit report without blocking, if one is queued.
  std::optional<spawn_protocol::Exited> receive();
  /// Poll this for POLLIN: an exit report is queued.
  int fd() const { return sock_.get(); }

 private:
  UniqueFd sock_;
  pid_t pid_ = -1;
};

}  // namespace nexus::bench
