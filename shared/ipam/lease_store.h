#pragma once
// The on-disk lease store, laid out exactly as host-local's disk backend so a network can move between
// host-local and nexus-ipam, or both can serve one data dir:
//   <dataDir>/<network>/lock                  flock(LOCK_EX) serialises every process of both plugins
//   <dataDir>/<network>/<address>             one lease; content "<containerID>\r\n<ifname>" (no newline);
//                                             name = Go's canonical address text
//   <dataDir>/<network>/last_reserved_ip.<n>  last address handed out from range set n (round robin)
// plus nexus-only state that host-local ignores (it parses only file names that are addresses):
//   <dataDir>/<network>/.nexus/idx/<containerID>@<hex ifname>  index: "# nexus-ipam index v1\n<addr>\n..."
//   <dataDir>/<network>/.nexus/tmp/                              named temps, linked or renamed into place
//                                                                (leases use O_TMPFILE where supported)
//   <dataDir>/<network>/.nexus/blank/s<N>                        recycled inodes, blanked (see spare_inodes.cpp)
//   <dataDir>/<network>/.nexus/boot.<boot ID>                    empty; the kernel boot in which the store was
//                                                                last locked (see reboot_reclaim.cpp)
// host-local's release walks subdirectories and deletes files whose trimmed content is "<id>\r\n<ifname>"
// or "<id>". An index file starts with a line containing spaces, which no container ID has, so it never
// matches; a spare or a boot record is blank, so it never matches either; a temp may match, and deleting one is
// harmless (temps only live while the lock is held or are stale leftovers of a killed process, blanked at the
// next lock). Once released, a container's ID is in no file of the data dir.
//
// Crash safety (SIGKILL at any instant): a lease file appears by link() with its full content or not at
// all; the lock dies with the process; stale temps are recycled at the next lock; a torn index entry or
// last_reserved_ip only ever precedes the lease it concerns. Durability across power loss is host-local's
// (no fsync): recent leases may be lost, and the index is as consistent as the file system's write
// ordering makes it (ext4 data=ordered commits file data before the metadata that follows it). gc()
// rebuilds the index from the lease files in any case.
//
// The index makes allocate/release/lookups cost O(leases of the attachment), not O(leases of the network).
// It is written ahead (before the lease files) and removed after them; readers verify each lease's
// content, so a stale index entry is harmless. Leases written by host-local are not in the index: after
// each change we set the network directory's mtime to a marker (nanoseconds = kIndexMarkerNsec); any
// later create/unlink by another program sets a kernel timestamp instead, and the next operation rebuilds
// the index with one scan. Limits: a program that creates or removes leases and then restores the marker
// mtime, or edits a lease in place (host-local never does), goes unnoticed; so would a kernel timestamp
// that happens to carry the marker's nanoseconds (about 1 in 10^9). On a file system without nanosecond
// timestamps the marker never sticks: every operation rescans (correct, but O(leases) again).
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/cni/attachment.h"
#include "shared/ipam/file_lock.h"
#include "shared/util/unique_fd.h"

namespace nexus::ipam {

/// Who an address is leased to: CNI_CONTAINERID and CNI_IFNAME. An empty ifname names leases of
/// host-local's old format (content "<containerID>" only).
using Attachment = cni::Attachment;

/// Throws Error(InvalidEnv, 4) naming CNI_CONTAINERID or CNI_IFNAME unless both pass the CNI rules
/// (cni::validate_container_id, cni::validate_ifname) and the store's own: an ID of at most 253 bytes, an
/// ifname without control characters.
void validate_attachment(const Attachment& a);

/// One network's lease directory. Members other than open/find/lock require the lock (see lock()).
class LeaseStore {
 public:
  /// Opens <data_dir>/<network>, creating it (0700) and the lock file (0600) when missing.
  /// Throws Error(InvalidConfig) for an unsafe network name, other errors for I/O failures.
  static LeaseStore open(const std::string& data_dir, const std::string& network);
  /// As open() but creates nothing: nullopt when the data dir or the network dir does not exist (DEL, GC).
  static std::optional<LeaseStore> find(const std::string& data_dir, const std::string& network);

  /// Lock wait limit before Error(TryAgainLater); default 10 s.
  void set_lock_timeout(std::chrono::milliseconds t) { lock_timeout_ = t; }
  /// Takes the network's lock (shared with host-local), removes temps left by killed processes (and the
  /// unblanked spares of older versions), on the first lock in a new kernel boot removes every lease written
  /// before that boot (reboot_reclaim.cpp), and rebuilds the index when another program changed the directory.
  FileLock lock();
  /// True when the next lock() will look for leases of earlier boots: the store was last locked in another
  /// boot, or never by this version. For a verb that takes no lock (STATUS). One small read and one stat.
  bool reclaim_pending() const;

  /// True when a lease file for `a` exists (whoever wrote it).
  bool is_leased(const IpAddress& a) const;
  /// The holder recorded in a's lease file; nullopt when there is none or it is unreadable.
  std::optional<Attachment> holder(const IpAddress& a) const;
  /// Atomically creates a's lease with its full content; false when the address is already leased.
  bool create_lease(const IpAddress& a, const Attachment& who);
  /// Removes a's lease file (its inode, blanked, goes to the spare pool).
  void remove_lease(const IpAddress& a);
  /// Address recorded in last_reserved_ip.<set>, if any.
  std::optional<IpAddress> last_reserved(std::size_t set) const;
  /// Records the last address handed out from range set `set` (atomic replace).
  void set_last_reserved(std::size_t set, const IpAddress& a);

  /// Addresses the index lists for `who` (unverified: check holder() before trusting one).
  std::vector<IpAddress> indexed(const Attachment& who) const;
  /// Replaces the index entry of `who` (atomic); an empty list removes it.
  void set_indexed(const Attachment& who, const std::vector<IpAddress>& addresses);
  /// Every lease in the directory with its holder (one scan; unreadable files are skipped).
  std::map<IpAddress, Attachment> scan() const;
  /// Rewrites the whole index from `leases` (as returned by scan()).
  void rebuild_index(const std::map<IpAddress, Attachment>& leases);
  /// Records that the index matches the directory (sets the marker mtime); call after changing leases.
  void mark_index_current();

 private:
  LeaseStore(UniqueFd dir, UniqueFd nexus, UniqueFd idx, UniqueFd tmp, UniqueFd spare, UniqueFd lock);
  static std::optional<LeaseStore> open_impl(const std::string& data_dir, const std::string& network, bool create);
  std::string new_temp_name();
  std::optional<bool> link_anonymous(std::string_view content, const std::string& name);
  std::optional<bool> link_spare(std::string_view content, const std::string& name);
  bool link_named_temp(std::string_view content, const std::string& name);
  UniqueFd take_spare(std::string& temp);
  void retire(int dir, const std::string& name);
  bool pool(const std::string& temp, const std::vector<std::string>& used);
  void remove_legacy_spares();
  static void overwrite(int fd, std::string_view content, const std::string& what);
  void write_index_file(const std::string& name, const std::string& content);
  void remove_stale_temps();
  bool index_is_current() const;
  bool reclaim_earlier_boots();

  UniqueFd dir_, nexus_, idx_, tmp_, spare_, lock_fd_;
  std::chrono::milliseconds lock_timeout_{10000};
  unsigned temp_seq_ = 0;
  bool anonymous_temps_ = true;
};

namespace testing {
/// Test seam for crash tests: called with a step name at each point of a write sequence where a crash
/// must be survivable (e.g. the hook raises SIGKILL). nullptr disables it.
void set_fault_hook(void (*hook)(const char* step));
/// Test seam: when true, new files never reuse spare inodes or O_TMPFILE (the fallback for file systems
/// without O_TMPFILE), so tests can cover the named-temp path.
void force_named_temps(bool on);
}  // namespace testing

namespace detail {
/// Calls the test fault hook, if any, with `step`.
void fault_point(const char* step);
/// True when testing::force_named_temps is on.
bool named_temps_forced();
}  // namespace detail

}  // namespace nexus::ipam
