// FileLock waits in a blocking flock (on a thread of its own), so the lock passes to a waiter the moment its
// holder lets go, and a waiter that gave up at its deadline never keeps a lock it gets later.
#include "shared/ipam/file_lock.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "shared/base/error.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus;
using namespace std::chrono_literals;

namespace {

// Another holder: its own open file description of the lock file, as another process has.
struct OtherHolder {
  UniqueFd fd;
  explicit OtherHolder(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    REQUIRE(fd);
  }
  bool try_lock() const { return ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0; }
  void unlock() const { ::flock(fd.get(), LOCK_UN); }
};

// True once a thread of this process sits in the flock system call (73 on x86-64; /proc/<tid>/syscall's first
// field), which a polling waiter never does for long.
bool some_thread_blocks_in_flock(std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  do {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream in(task.path() / "syscall");
      std::string number;
      if (in >> number && number == std::to_string(SYS_flock)) return true;
    }
    std::this_thread::sleep_for(1ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

}  // namespace

TEST_CASE("file lock: a waiter blocks in flock and gets the lock when its holder lets go") {
  testutil::TempDir dir;
  const UniqueFd dir_fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const UniqueFd fd = ipam::FileLock::open_lock_file(dir_fd.get(), "lock");
  OtherHolder other(dir.path() + "/lock");
  REQUIRE(other.try_lock());
  bool locked = false;
  std::thread waiter([&] {
    ipam::FileLock lock(fd.get(), 10s);
    locked = true;
  });
  CHECK(some_thread_blocks_in_flock(2000ms));
  other.unlock();
  waiter.join();
  CHECK(locked);
  CHECK(other.try_lock());  // the waiter's lock went with its FileLock
}

TEST_CASE("file lock: a waiter that timed out does not keep the lock it gets afterwards") {
  testutil::TempDir dir;
  const UniqueFd dir_fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const UniqueFd fd = ipam::FileLock::open_lock_file(dir_fd.get(), "lock");
  OtherHolder other(dir.path() + "/lock"), third(dir.path() + "/lock");
  REQUIRE(other.try_lock());
  CHECK(testutil::thrown_cni_code([&] { ipam::FileLock lock(fd.get(), 50ms); }) ==
        static_cast<int>(Code::TryAgainLater));
  other.unlock();  // the abandoned flock gets the lock now, and must let it go at once
  bool free = false;
  for (int i = 0; i < 2000 && !free; ++i) {
    free = third.try_lock();
    if (!free) std::this_thread::sleep_for(1ms);
  }
  CHECK(free);
}
