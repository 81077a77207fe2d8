// nexus node logs: what the node's command wrote (stdout and stderr), oldest first: the rotated log, then the
// current one (shared/runtime/capped_log.h); -f follows it, across rotations, until the node's process is gone.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "launcher/commands.h"
#include "launcher/node_lookup.h"
#include "shared/base/error.h"
#include "shared/runtime/process.h"
#include "shared/util/unique_fd.h"

namespace nexus::launcher {
namespace {

// Copies what `fd` has from its offset on to stdout.
void drain(int fd) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(STDOUT_FILENO, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw sys_error("write the log to stdout", errno);
      done += w;
    }
  }
}

UniqueFd open_log(const std::string& path) { return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)); }

// Whether `path` is no longer the file open as `fd` (the writer rotated it).
bool rotated(const std::string& path, int fd) {
  struct stat now {}, open {};
  if (::stat(path.c_str(), &now) != 0 || ::fstat(fd, &open) != 0) return false;
  return now.st_ino != open.st_ino || now.st_dev != open.st_dev;
}

}  // namespace

int node_logs(const Context& ctx, const std::string& name, bool follow) {
  runtime::NodeRecord node;
  {
    const runtime::FileLock lock = ctx.store().lock_shared();
    node = get_node(ctx, name);
  }
  const std::string log = ctx.store().node_dir(name) + "/log";
  if (UniqueFd older = open_log(log + ".1")) drain(older.get());
  UniqueFd current = open_log(log);
  if (current) drain(current.get());
  if (!follow) return 0;
  // Polled rather than watched: a tenth of a second is quick enough for a person reading along, and the loop
  // needs no inotify bookkeeping for the rotation and the node's end.
  for (;;) {
    const bool alive = runtime::process_alive(node.pid, node.start_time);
    if (!current) current = open_log(log);
    if (current) {
      drain(current.get());
      if (rotated(log, current.get())) {
        drain(current.get());  // the end of the old file, then the new one from its start
        current = open_log(log);
        continue;
      }
    }
    if (!alive) return 0;  // its last words were drained above
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace nexus::launcher
