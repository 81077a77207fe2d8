#include "shared/ipam/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "shared/base/error.h"

namespace nexus::ipam {

UniqueFd FileLock::open_lock_file(int dir, const char* name) {
  UniqueFd fd(::openat(dir, name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw sys_error(std::string("open lock file '") + name + "'", errno);
  return fd;
}

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_timeout(std::chrono::milliseconds timeout) {
  throw Error(Code::TryAgainLater, "timed out waiting for the lease directory lock",
              "another IPAM process held the lock for " + std::to_string(timeout.count()) + " ms");
}

// The fallback when no thread can be started: LOCK_NB with a short exponential backoff (50 us .. 2 ms).
void poll_for_lock(int fd, Clock::time_point deadline, std::chrono::milliseconds timeout) {
  auto pause = std::chrono::microseconds(50);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw sys_error("lock the network's lease directory", errno);
    if (Clock::now() >= deadline) throw_timeout(timeout);
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(2));
  }
}

// A blocking flock on a thread of its own, through a duplicate of `fd` (same open file description, so the
// same lock). flock has no timeout and interrupting it needs a signal handler, which a library must not
// install; a thread gives both: the kernel hands the lock over the moment its holder lets go, and the caller
// stops waiting at the deadline. Polling instead left the lock free for up to the poll interval at each
// hand-over: with 100 concurrent ADDs perf counted 56 ms of sleep per ADD, with the CPUs half idle.
struct LockWaiter {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;       // the thread finished: locked, or failed with err
  int err = 0;
  bool abandoned = false;  // the caller gave up: a lock taken after that is released at once
};

void block_on_lock(const std::shared_ptr<LockWaiter>& w, int dup) {
  int r;
  do r = ::flock(dup, LOCK_EX);
  while (r != 0 && errno == EINTR);
  const int err = r == 0 ? 0 : errno;
  std::lock_guard<std::mutex> g(w->m);
  if (w->abandoned && r == 0) ::flock(dup, LOCK_UN);
  ::close(dup);  // the lock stays with the caller's fd, which refers to the same open file description
  w->done = true;
  w->err = err;
  w->cv.notify_one();
}

}  // namespace

// Uncontended, one LOCK_NB call. Contended, a thread waits in a blocking flock (see LockWaiter); the deadline
// turns a stuck holder into error 11.
FileLock::FileLock(int fd, std::chrono::milliseconds timeout) : fd_(fd) {
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  if (errno != EWOULDBLOCK && errno != EINTR) throw sys_error("lock the network's lease directory", errno);
  const auto deadline = Clock::now() + timeout;
  const int dup = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) throw sys_error("duplicate the lease directory's lock fd", errno);
  auto w = std::make_shared<LockWaiter>();
  try {
    std::thread(block_on_lock, w, dup).detach();
  } catch (const std::system_error&) {
    ::close(dup);
    poll_for_lock(fd_, deadline, timeout);
    return;
  }
  std::unique_lock<std::mutex> held(w->m);
  if (!w->cv.wait_until(held, deadline, [&] { return w->done; })) {
    w->abandoned = true;
    throw_timeout(timeout);
  }
  if (w->err != 0) throw sys_error("lock the network's lease directory", w->err);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::flock(fd_, LOCK_UN);
}

}  // namespace nexus::ipam
