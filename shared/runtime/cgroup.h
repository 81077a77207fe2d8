#pragma once
// A node's cgroup with memory and CPU limits, whichever cgroup version the host mounts. The version is found
// at run time: pure v2 (cgroup2 at the root), or v1 controllers (legacy and hybrid layouts).
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nexus::runtime {

/// What a node may use. Zero means "no limit".
struct CgroupLimits {
  uint64_t memory_bytes = 0;
  uint64_t cpu_shares = 0;  ///< v1 semantics (2..262144, 1024 = default); converted to cpu.weight on v2
};

enum class CgroupVersion { V1, V2 };

/// One node's cgroup.
class Cgroup {
 public:
  virtual ~Cgroup() = default;
  /// Creates the cgroup (and the parent group) and writes the limits; throws Error if it exists.
  virtual void create(const CgroupLimits& limits) = 0;
  /// Moves `pid` into the cgroup (0: the calling process).
  virtual void add_process(pid_t pid) const = 0;
  /// Removes the cgroup once its processes are gone; idempotent. Waits briefly for exiting tasks to leave.
  virtual void remove() const = 0;
  /// True when the cgroup directory exists.
  virtual bool exists() const = 0;
  /// The cgroup directories (one per v1 controller, one on v2), for display and state.
  virtual std::vector<std::string> paths() const = 0;
  virtual CgroupVersion version() const = 0;
};

/// Which version manages memory and cpu under `root` (normally /sys/fs/cgroup).
CgroupVersion detect_cgroup_version(const std::string& root);

/// The cgroup `parent/name` under `root`, for the detected version.
std::unique_ptr<Cgroup> open_cgroup(const std::string& root, const std::string& parent, const std::string& name);
/// The same for an explicit version (tests use it on a fake tree).
std::unique_ptr<Cgroup> open_cgroup(CgroupVersion version, const std::string& root, const std::string& parent,
                                    const std::string& name);

/// cpu.shares (v1) to cpu.weight (v2) as runc and systemd convert: 1 + ((shares - 2) * 9999) / 262142.
uint64_t shares_to_weight(uint64_t shares);

}  // namespace nexus::runtime
