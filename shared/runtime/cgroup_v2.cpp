// cgroup v2: one unified tree; controllers must be enabled in every ancestor's cgroup.subtree_control.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "shared/base/error.h"
#include "shared/runtime/cgroup.h"
#include "shared/runtime/cgroup_fs.h"
#include "shared/util/undo.h"

namespace nexus::runtime {
namespace {

bool has_controller(const std::string& dir, const std::string& controller) {
  std::ifstream in(dir + "/cgroup.controllers");
  std::string word;
  while (in >> word)
    if (word == controller) return true;
  return false;
}

class CgroupV2 final : public Cgroup {
 public:
  CgroupV2(const std::string& root, const std::string& parent, const std::string& name)
      : root_(root), parent_(root + "/" + parent), dir_(parent_ + "/" + name) {}

  void create(const CgroupLimits& limits) override {
    enable_controllers(root_, limits);
    cgroupfs::make_dir(parent_, true);
    enable_controllers(parent_, limits);
    Undo undo;
    cgroupfs::make_dir(dir_, false);
    undo.push("remove cgroup " + dir_, [this] { cgroupfs::remove_dir(dir_); });
    if (limits.memory_bytes > 0) cgroupfs::write_file(dir_, "memory.max", std::to_string(limits.memory_bytes));
    if (limits.cpu_shares > 0)
      cgroupfs::write_file(dir_, "cpu.weight", std::to_string(shares_to_weight(limits.cpu_shares)));
    undo.commit();
  }

  void add_process(pid_t pid) const override { cgroupfs::write_file(dir_, "cgroup.procs", std::to_string(pid)); }
  void remove() const override { cgroupfs::remove_dir(dir_); }
  bool exists() const override { return cgroupfs::is_dir(dir_); }
  std::vector<std::string> paths() const override { return {dir_}; }
  CgroupVersion version() const override { return CgroupVersion::V2; }

 private:
  // A controller must be listed in the parent's cgroup.controllers before it can be delegated downwards.
  static void enable_controllers(const std::string& dir, const CgroupLimits& limits) {
    std::string wanted;
    if (limits.memory_bytes > 0) wanted += "memory ";
    if (limits.cpu_shares > 0) wanted += "cpu ";
    std::stringstream words(wanted);
    std::string controller;
    while (words >> controller) {
      if (!has_controller(dir, controller))
        throw Error(Code::Internal, "cgroup controller '" + controller + "' is not available in " + dir,
                    "enable it in the parent's cgroup.subtree_control, or drop the matching limit");
      cgroupfs::write_file(dir, "cgroup.subtree_control", "+" + controller);
    }
  }

  std::string root_, parent_, dir_;
};

}  // namespace

std::unique_ptr<Cgroup> make_cgroup_v2(const std::string& root, const std::string& parent, const std::string& name) {
  return std::make_unique<CgroupV2>(root, parent, name);
}

}  // namespace nexus::runtime
