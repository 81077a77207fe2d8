// LeaseStore's pool of spare inodes (.nexus/spare/s0..s63). Creating an inode is the dearest step of
// a lease on ext4 (~0.5 ms on a busy disk, against ~15 us for a rename), and freeing one with its data
// block is dearer still. So released leases and index files are renamed into the pool, and new leases
// and index files are written into pooled inodes and linked into place. The pool holds at most kSlots
// files; beyond that, retired files are unlinked. Spares hold stale content: host-local may delete one
// whose content names a container it releases, which only shrinks the pool.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "shared/cni/error.h"
#include "shared/ipam/lease_store.h"
#include "shared/ipam/safe_fs.h"

namespace nexus::ipam {
namespace {
constexpr int kSlots = 64;
}  // namespace

UniqueFd LeaseStore::take_spare(std::string& temp) {
  if (detail::named_temps_forced()) return UniqueFd();
  for (const std::string& slot : list_dir(spare_.get())) {
    temp = new_temp_name();
    if (::renameat(spare_.get(), slot.c_str(), tmp_.get(), temp.c_str()) != 0) continue;
    UniqueFd fd(::openat(tmp_.get(), temp.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    struct stat st {};
    const bool usable = fd && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1;
    // host-local makes its leases 0644; ours are 0600 whatever inode they reuse.
    if (usable && ((st.st_mode & 07777) == 0600 || ::fchmod(fd.get(), 0600) == 0)) return fd;
    remove_at(tmp_.get(), temp);  // not a plain file of ours: drop it
  }
  return UniqueFd();
}

void LeaseStore::retire(int dir, const std::string& name) {
  if (!exists_at(dir, name)) return;
  const std::vector<std::string> used = list_dir(spare_.get());
  if (static_cast<int>(used.size()) < kSlots) {
    for (int k = 0; k < kSlots; ++k) {
      const std::string slot = "s" + std::to_string(k);
      if (std::find(used.begin(), used.end(), slot) != used.end()) continue;
      if (::renameat2(dir, name.c_str(), spare_.get(), slot.c_str(), RENAME_NOREPLACE) == 0) return;
      if (errno == ENOENT) return;
      break;  // EEXIST (a foreign file), EINVAL (no RENAME_NOREPLACE here): just unlink
    }
  }
  remove_at(dir, name);
}

// Content replaced in place: the inode is no lease while it sits under a temp name, so a torn write
// is harmless (the next lock recycles stale temps). Writing before truncating keeps the data block, which
// truncating to zero first would free and reallocate.
void LeaseStore::overwrite(int fd, std::string_view content, const std::string& what) {
  write_all(fd, content, what);
  if (::ftruncate(fd, static_cast<off_t>(content.size())) != 0) throw cni::sys_error("truncate '" + what + "'", errno);
}

}  // namespace nexus::ipam
