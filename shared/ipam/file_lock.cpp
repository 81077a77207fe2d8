#include "shared/ipam/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "shared/base/error.h"

namespace nexus::ipam {

UniqueFd FileLock::open_lock_file(int dir, const char* name) {
  UniqueFd fd(::openat(dir, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw sys_error(std::string("open lock file '") + name + "'", errno);
  return fd;
}

// flock has no timeout and interrupting it needs a signal handler, which a library must not install.
// So we poll with LOCK_NB and a short exponential backoff (50 us .. 2 ms): the critical section is
// ~100 us, so waiters get in quickly, and the deadline turns a stuck holder into error 11.
FileLock::FileLock(int fd, std::chrono::milliseconds timeout) : fd_(fd) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::microseconds(50);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw sys_error("lock the network's lease directory", errno);
    if (Clock::now() >= deadline)
      throw Error(Code::TryAgainLater, "timed out waiting for the lease directory lock",
                  "another IPAM process held the lock for " + std::to_string(timeout.count()) + " ms");
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(2));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::flock(fd_, LOCK_UN);
}

}  // namespace nexus::ipam
