#include "shared/runtime/process.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include "shared/base/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {
namespace {

struct StatInfo {
  char state = '?';
  uint64_t start_time = 0;
};

std::optional<StatInfo> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // comm (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  StatInfo info;
  rest >> info.state;
  std::string skip;
  for (int field = 4; field < 22; ++field) rest >> skip;  // fields 4..21
  rest >> info.start_time;
  if (!rest) return std::nullopt;
  return info;
}

bool wait_exit(int pidfd, int timeout_ms) {
  pollfd p{pidfd, POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

}  // namespace

std::optional<uint64_t> process_start_time(pid_t pid) {
  auto info = read_stat(pid);
  if (!info) return std::nullopt;
  return info->start_time;
}

bool process_alive(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  auto info = read_stat(pid);
  return info && info->start_time == start_time && info->state != 'Z' && info->state != 'X';
}

void stop_process(pid_t pid, uint64_t start_time, int grace_ms) {
  if (pid <= 0) return;
  // Hold a pidfd before checking identity: from then on the pid cannot be reused under us.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return;  // already gone
  if (!process_alive(pid, start_time)) {
    ::waitpid(pid, nullptr, WNOHANG);
    return;
  }
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0);
  if (!wait_exit(pidfd.get(), grace_ms)) {
    ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    if (!wait_exit(pidfd.get(), 10'000))
      throw Error(Code::Internal, "process " + std::to_string(pid) + " did not exit after SIGKILL");
  }
  ::waitpid(pid, nullptr, WNOHANG);  // reaps it when we are its parent (rollback within create)
}

}  // namespace nexus::runtime
