// LeaseStore's pool of spare inodes (.nexus/blank/s0..s63). Creating an inode is the dearest step of
// a lease on ext4 (~0.5 ms on a busy disk, against ~15 us for a rename), and freeing one with its data
// block is dearer still. So released leases and index files are blanked and renamed into the pool, and new
// leases and index files are written into pooled inodes and linked into place. The pool holds at most kSlots
// files; beyond that, retired files are unlinked.
//
// A retired file names no container: people and tools (host-local's release among them) find a container's
// leases by searching the data dir for its ID, and must not find a released one. So its content is
// overwritten before it enters the pool, while it sits under a temp name: a process killed in between leaves
// a temp, which the next lock blanks in turn (remove_stale_temps). Overwriting with as many filler bytes
// keeps the data block, which truncating would free and the next lease reallocate.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "shared/base/error.h"
#include "shared/ipam/lease_store.h"
#include "shared/ipam/safe_fs.h"

namespace nexus::ipam {
namespace {

constexpr int kSlots = 64;
// Leases and index entries are far smaller; a bigger foreign file is unlinked rather than blanked.
constexpr off_t kMaxBlank = 4096;

// Replaces every byte of the file at `name` under `dir` with '\n'; false when it is not a plain file we can
// write (then the caller unlinks it).
bool blank(int dir, const std::string& name) {
  UniqueFd fd(::openat(dir, name.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_size > kMaxBlank)
    return false;
  const std::string filler(static_cast<std::size_t>(st.st_size), '\n');
  return ::pwrite(fd.get(), filler.data(), filler.size(), 0) == static_cast<ssize_t>(filler.size());
}

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
  if (static_cast<int>(used.size()) >= kSlots) return remove_at(dir, name);
  // Off its public name first (a lease must never be seen blank), then blanked, then pooled.
  std::string temp = name;
  if (dir != tmp_.get()) {
    temp = new_temp_name();
    if (::renameat(dir, name.c_str(), tmp_.get(), temp.c_str()) != 0) {
      if (errno == ENOENT) return;
      return remove_at(dir, name);
    }
    detail::fault_point("retired to temp");
  }
  if (blank(tmp_.get(), temp) && pool(temp, used)) return;
  remove_at(tmp_.get(), temp);
}

// Moves the blanked temp `temp` into a slot not in `used`; false when there is none (or no RENAME_NOREPLACE).
bool LeaseStore::pool(const std::string& temp, const std::vector<std::string>& used) {
  for (int k = 0; k < kSlots; ++k) {
    const std::string slot = "s" + std::to_string(k);
    if (std::find(used.begin(), used.end(), slot) != used.end()) continue;
    return ::renameat2(tmp_.get(), temp.c_str(), spare_.get(), slot.c_str(), RENAME_NOREPLACE) == 0;
  }
  return false;
}

// Before the pool was blanked, it lived in .nexus/spare with the old leases' content: drop it once.
void LeaseStore::remove_legacy_spares() {
  if (!exists_at(nexus_.get(), "spare")) return;
  const UniqueFd legacy = open_subdir(nexus_.get(), "spare", false);
  if (legacy)
    for (const std::string& name : list_dir(legacy.get())) remove_at(legacy.get(), name);
  if (::unlinkat(nexus_.get(), "spare", AT_REMOVEDIR) != 0 && errno != ENOENT)
    throw sys_error("remove '.nexus/spare'", errno);
}

// Content replaced in place: the inode is no lease while it sits under a temp name, so a torn write
// is harmless (the next lock recycles stale temps). Writing before truncating keeps the data block, which
// truncating to zero first would free and reallocate.
void LeaseStore::overwrite(int fd, std::string_view content, const std::string& what) {
  write_all(fd, content, what);
  if (::ftruncate(fd, static_cast<off_t>(content.size())) != 0) throw sys_error("truncate '" + what + "'", errno);
}

}  // namespace nexus::ipam
