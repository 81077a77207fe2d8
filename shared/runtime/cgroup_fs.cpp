#include "shared/runtime/cgroup_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "shared/base/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime::cgroupfs {

void write_file(const std::string& dir, const std::string& file, const std::string& value) {
  const std::string path = dir + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw sys_error("open " + path, errno);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    throw sys_error("write '" + value + "' to " + path, errno);
}

void make_dir(const std::string& dir, bool may_exist) {
  if (::mkdir(dir.c_str(), 0755) == 0) return;
  if (errno == EEXIST && may_exist) return;
  // A leftover without processes (a crash between mkdir and the state write of an older run) is replaced;
  // one that still holds processes is somebody's live cgroup.
  if (errno == EEXIST && ::rmdir(dir.c_str()) == 0 && ::mkdir(dir.c_str(), 0755) == 0) return;
  if (errno == EEXIST || errno == EBUSY)
    throw Error(Code::Internal, "cgroup " + dir + " already exists and holds processes",
                "stop them (see " + dir + "/cgroup.procs) or pick another node name");
  throw sys_error("create cgroup " + dir, errno);
}

void remove_dir(const std::string& dir) {
  // A killed task leaves its cgroup a moment after the kill is delivered; rmdir fails with EBUSY until then.
  // There is no event to wait on that works on both versions, so retry for up to ~2 s.
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) throw sys_error("remove cgroup " + dir, errno);
    timespec ts{0, 10'000'000};
    ::nanosleep(&ts, nullptr);
  }
  throw Error(Code::TryAgainLater, "cgroup " + dir + " still has processes",
              "stop them (cat " + dir + "/cgroup.procs) and retry");
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace nexus::runtime::cgroupfs
