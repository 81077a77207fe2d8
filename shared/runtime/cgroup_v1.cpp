// cgroup v1: one directory per controller hierarchy (memory, cpu), as legacy and hybrid hosts mount them.
#include <string>
#include <vector>

#include "shared/runtime/cgroup.h"
#include "shared/runtime/cgroup_fs.h"
#include "shared/util/undo.h"

namespace nexus::runtime {
namespace {

// Most hosts mount cpu and cpuacct together at "cpu,cpuacct" with a "cpu" symlink; some have no symlink.
std::string cpu_hierarchy(const std::string& root) {
  if (!cgroupfs::is_dir(root + "/cpu") && cgroupfs::is_dir(root + "/cpu,cpuacct")) return root + "/cpu,cpuacct";
  return root + "/cpu";
}

class CgroupV1 final : public Cgroup {
 public:
  CgroupV1(const std::string& root, const std::string& parent, const std::string& name)
      : memory_parent_(root + "/memory/" + parent), cpu_parent_(cpu_hierarchy(root) + "/" + parent), name_(name) {}

  void create(const CgroupLimits& limits) override {
    Undo undo;
    create_in(memory_parent_, undo);
    if (limits.memory_bytes > 0)
      cgroupfs::write_file(memory_dir(), "memory.limit_in_bytes", std::to_string(limits.memory_bytes));
    create_in(cpu_parent_, undo);
    if (limits.cpu_shares > 0) cgroupfs::write_file(cpu_dir(), "cpu.shares", std::to_string(limits.cpu_shares));
    undo.commit();
  }

  void add_process(pid_t pid) const override {
    for (const std::string& dir : paths()) cgroupfs::write_file(dir, "cgroup.procs", std::to_string(pid));
  }

  void remove() const override {
    for (const std::string& dir : paths()) cgroupfs::remove_dir(dir);
  }

  bool exists() const override { return cgroupfs::is_dir(memory_dir()) || cgroupfs::is_dir(cpu_dir()); }
  std::vector<std::string> paths() const override { return {memory_dir(), cpu_dir()}; }
  CgroupVersion version() const override { return CgroupVersion::V1; }

 private:
  std::string memory_dir() const { return memory_parent_ + "/" + name_; }
  std::string cpu_dir() const { return cpu_parent_ + "/" + name_; }

  void create_in(const std::string& parent, Undo& undo) const {
    cgroupfs::make_dir(parent, true);
    const std::string dir = parent + "/" + name_;
    cgroupfs::make_dir(dir, false);
    undo.push("remove cgroup " + dir, [dir] { cgroupfs::remove_dir(dir); });
  }

  std::string memory_parent_, cpu_parent_, name_;
};

}  // namespace

std::unique_ptr<Cgroup> make_cgroup_v1(const std::string& root, const std::string& parent, const std::string& name) {
  return std::make_unique<CgroupV1>(root, parent, name);
}

}  // namespace nexus::runtime
