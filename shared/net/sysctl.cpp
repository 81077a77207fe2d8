#include "shared/net/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "shared/base/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::net {
namespace {

std::string full_path(const std::string& path) {
  if (path.empty() || path.find("..") != std::string::npos || path.front() == '/') {
    throw Error(Code::Internal, "invalid sysctl path '" + path + "'");
  }
  return "/proc/sys/" + path;
}

}  // namespace

void write_sysctl(const std::string& path, const std::string& value) {
  const std::string file = full_path(path);
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw sys_error("open " + file, errno);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    throw sys_error("write '" + value + "' to " + file, errno);
  }
}

std::optional<std::string> read_sysctl(const std::string& path) {
  const std::string file = full_path(path);
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throw sys_error("open " + file, errno);
  }
  char buf[256];
  const ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) throw sys_error("read " + file, errno);
  std::string value(buf, static_cast<size_t>(n));
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

bool ensure_sysctl(const std::string& path, const std::string& value) {
  if (read_sysctl(path) == value) return false;
  write_sysctl(path, value);
  return true;
}

void enable_forwarding(bool ipv4, bool ipv6) {
  if (ipv4) ensure_sysctl("net/ipv4/ip_forward", "1");
  if (ipv6) ensure_sysctl("net/ipv6/conf/all/forwarding", "1");
}

}  // namespace nexus::net
