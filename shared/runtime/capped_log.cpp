#include "shared/runtime/capped_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace nexus::runtime {

CappedLog::CappedLog(UniqueFd dir, std::string name, uint64_t max_bytes)
    : dir_(std::move(dir)), name_(std::move(name)), half_(max_bytes / 2) {
  open_current();
}

void CappedLog::open_current() noexcept {
  file_.reset(::openat(dir_.get(), name_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  struct stat st {};
  size_ = file_ && ::fstat(file_.get(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

void CappedLog::rotate() noexcept {
  ::renameat(dir_.get(), name_.c_str(), dir_.get(), (name_ + ".1").c_str());
  open_current();
}

void CappedLog::write(const char* data, size_t size) noexcept {
  if (size > half_) {
    data += size - half_;
    size = static_cast<size_t>(half_);
  }
  if (size_ + size > half_) rotate();
  while (size > 0 && file_) {
    const ssize_t n = ::write(file_.get(), data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
}

}  // namespace nexus::runtime
