#include "shared/ipam/safe_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "shared/base/error.h"
#include "shared/cni/validate.h"

namespace nexus::ipam {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// mkdir -p for the admin-chosen data dir; components that exist are left alone (mode and all).
void make_dirs(const std::string& path) {
  for (std::size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      throw sys_error("create data directory '" + prefix + "'", errno);
  }
}

}  // namespace

bool is_safe_name(std::string_view name) noexcept {
  // libcni's identifier rule (no '/', never "." or ".."), plus a length that fits one path component.
  return name.size() <= 253 && cni::is_valid_identifier(name);
}

UniqueFd open_data_dir(const std::string& path, bool create) {
  if (path.empty()) throw Error(Code::InvalidConfig, "invalid dataDir \"\": must not be empty");
  if (create) make_dirs(path);
  UniqueFd fd(::open(path.c_str(), kDirFlags));
  if (!fd && errno == ENOENT && !create) return fd;
  if (!fd && (errno == ELOOP || errno == ENOTDIR))
    throw Error(Code::InvalidConfig, "invalid dataDir \"" + path + "\": not a directory (symlinks are refused)");
  if (!fd) throw sys_error("open data directory '" + path + "'", errno);
  return fd;
}

UniqueFd open_subdir(int dir, const std::string& name, bool create) {
  if (create && ::mkdirat(dir, name.c_str(), 0700) != 0 && errno != EEXIST)
    throw sys_error("create directory '" + name + "'", errno);
  UniqueFd fd(::openat(dir, name.c_str(), kDirFlags));
  if (!fd && errno == ENOENT && !create) return fd;
  if (!fd) throw sys_error("open directory '" + name + "' (symlinks refused)", errno);
  return fd;
}

std::optional<std::string> read_file_at(int dir, const std::string& name, std::size_t limit) {
  UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::string out(limit, '\0');
  std::size_t got = 0;
  while (got < limit) {
    const ssize_t n = ::read(fd.get(), out.data() + got, limit - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

bool exists_at(int dir, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  throw sys_error("stat '" + name + "'", errno);
}

void write_new_file_at(int dir, const std::string& name, std::string_view content) {
  UniqueFd fd(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw sys_error("create '" + name + "'", errno);
  write_all(fd.get(), content, name);
}

void write_all(int fd, std::string_view content, const std::string& what) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw sys_error("write '" + what + "'", errno);
    done += static_cast<std::size_t>(n);
  }
}

void remove_at(int dir, const std::string& name) {
  if (::unlinkat(dir, name.c_str(), 0) != 0 && errno != ENOENT) throw sys_error("remove '" + name + "'", errno);
}

std::vector<std::string> list_dir(int dir) {
  const int copy = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) throw sys_error("open directory for listing", errno);
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(copy), ::closedir);
  if (!d) {
    ::close(copy);
    throw sys_error("list directory", errno);
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  return names;
}

}  // namespace nexus::ipam
