#include "shared/runtime/cgroup.h"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "shared/runtime/cgroup_fs.h"

namespace nexus::runtime {

std::unique_ptr<Cgroup> make_cgroup_v1(const std::string& root, const std::string& parent, const std::string& name);
std::unique_ptr<Cgroup> make_cgroup_v2(const std::string& root, const std::string& parent, const std::string& name);

CgroupVersion detect_cgroup_version(const std::string& root) {
  struct statfs fs {};
  if (::statfs(root.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return CgroupVersion::V2;
  // Legacy and hybrid layouts mount a tmpfs at the root with one v1 hierarchy per controller; in hybrid mode
  // the v2 tree under unified/ holds no memory or cpu controller, so v1 is the one that limits.
  if (cgroupfs::is_dir(root + "/memory")) return CgroupVersion::V1;
  if (::access((root + "/cgroup.controllers").c_str(), F_OK) == 0) return CgroupVersion::V2;
  return CgroupVersion::V1;
}

std::unique_ptr<Cgroup> open_cgroup(CgroupVersion version, const std::string& root, const std::string& parent,
                                    const std::string& name) {
  if (version == CgroupVersion::V2) return make_cgroup_v2(root, parent, name);
  return make_cgroup_v1(root, parent, name);
}

std::unique_ptr<Cgroup> open_cgroup(const std::string& root, const std::string& parent, const std::string& name) {
  return open_cgroup(detect_cgroup_version(root), root, parent, name);
}

uint64_t shares_to_weight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

}  // namespace nexus::runtime
