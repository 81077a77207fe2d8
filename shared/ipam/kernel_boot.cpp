#include "shared/ipam/kernel_boot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <limits>

#include "shared/ipam/safe_fs.h"
#include "shared/util/unique_fd.h"

namespace nexus::ipam {

// Paid by every lock of the lease store, so kept to one open and one read: the kernel hands out the whole
// 37 bytes in one read.
std::optional<std::string> kernel_boot_id() {
  const UniqueFd fd(::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char buf[64];
  ssize_t n;
  do n = ::read(fd.get(), buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return std::nullopt;
  std::string id(buf, static_cast<std::size_t>(n));
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (id.empty() || !is_safe_name(id)) return std::nullopt;
  return id;
}

// /proc/stat is long (a line per CPU, one per interrupt count) and read only once per boot and network.
std::optional<std::time_t> kernel_boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      long long seconds = 0;
      if (in >> seconds && seconds > 0) return static_cast<std::time_t>(seconds);
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

}  // namespace nexus::ipam
