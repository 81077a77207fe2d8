// LeaseStore's reclaim after a reboot. A lease stands for a container's network namespace, and no namespace
// survives a reboot: every lease written before the current boot started is dead, whoever wrote it (nexus-ipam,
// host-local, another runtime's plugin sharing the data dir), and with nobody left to DEL it its address would
// stay taken for good (host-local's most reported bug: containernetworking/plugins#252, #697). So the first
// lock() of a network in a new boot removes them, before the verb that took the lock looks at any lease; no
// runtime has to call GC.
//
// Which boot: .nexus/boot.<ID> records the kernel's boot ID (kernel_boot.h) of the boot in which the store was
// last locked. The same ID: nothing to do, for one read of the boot ID and one stat on every lock(). Another ID,
// or none (a data dir that only host-local or an older nexus-ipam used, or a new one): the slow path, under the
// network's lock (host-local's too), once per boot and network. A data dir without a record is treated like one
// of an unknown earlier boot: its leases from before this boot are dead all the same, and what proves a lease
// older than the boot (below) does not depend on the record. Without /proc the boots cannot be told apart and
// nothing is reclaimed.
//
// Which leases: a lease file is written once, when the address is leased (by us: content written, then linked
// into place; by host-local: created and written), and never rewritten in place, so its mtime is the time of
// the lease. The lease is of an earlier boot when that is before the kernel started: mtime < /proc/stat's btime.
// btime is in whole seconds rounded down, so the comparison is strict: a lease of the very second of the boot
// stays. A lease written in this boot before our first use (host-local or another runtime came first) is newer
// than btime and stays, so does every file that is not a lease (lock, last_reserved_ip.N, which only moves the
// round robin's starting point, and .nexus). The index entries of removed leases go with the rebuild of the
// index that lock() does next.
//
// Clocks: mtime and btime are both readings of the wall clock (btime is recomputed at each read as the wall clock
// minus the time since boot), so they compare only as well as the clock was right. Wrong in one direction, a dead
// lease is kept, which is no worse than before this rule (its DEL or a GC frees it): a clock set back after boot
// moves btime back, and a previous boot whose clock ran ahead left mtimes later than btime. Wrong in the other,
// a live lease would be reclaimed: a clock stepped forward by D seconds after boot (an RTC running behind,
// corrected by NTP) moves btime forward by D, so a lease written in the first D seconds of uptime, before the
// step, by another plugin than ours, looks older than the boot. Containers rarely start within seconds of the
// kernel and before time sync; a safety margin would not cover a large D (a board without an RTC) and would keep
// the leases of a quick reboot (a VM restarts in seconds), so the comparison is with btime itself.
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "shared/base/error.h"
#include "shared/ipam/kernel_boot.h"
#include "shared/ipam/lease_store.h"
#include "shared/ipam/safe_fs.h"

namespace nexus::ipam {
namespace {

constexpr std::string_view kBootRecordPrefix = "boot.";

std::string boot_record(const std::string& boot_id) { return std::string(kBootRecordPrefix) + boot_id; }

}  // namespace

bool LeaseStore::reclaim_pending() const {
  const std::optional<std::string> boot = kernel_boot_id();
  return boot && !exists_at(nexus_.get(), boot_record(*boot));
}

bool LeaseStore::reclaim_earlier_boots() {
  const std::optional<std::string> boot = kernel_boot_id();
  if (!boot || exists_at(nexus_.get(), boot_record(*boot))) return false;
  const std::optional<std::time_t> boot_time = kernel_boot_time();
  if (!boot_time) return false;
  bool removed = false;
  for (const std::string& name : list_dir(dir_.get())) {
    const auto a = IpAddress::parse(name);
    if (!a || a->to_string() != name) continue;  // only canonical address text names a lease (see scan())
    struct stat st {};
    if (::fstatat(dir_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw sys_error("stat '" + name + "'", errno);
    }
    if (!S_ISREG(st.st_mode) || st.st_mtim.tv_sec >= *boot_time) continue;
    remove_lease(*a);
    removed = true;
  }
  // Recorded only once every lease of the earlier boots is gone: a process killed before this line leaves the
  // work to the next lock, which finds nothing more to remove than what is left.
  write_new_file_at(nexus_.get(), boot_record(*boot), "");
  for (const std::string& name : list_dir(nexus_.get())) {
    if (name.starts_with(kBootRecordPrefix) && name != boot_record(*boot)) remove_at(nexus_.get(), name);
  }
  return removed;
}

}  // namespace nexus::ipam
