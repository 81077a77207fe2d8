#include "tests/testutil/cgroup_parent.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/testutil/temp_dir.h"

namespace fs = std::filesystem;

namespace nexus::testutil {
namespace {

/// /sys/fs/cgroup/<name> (v2) and /sys/fs/cgroup/<hierarchy>/<name> (v1).
std::vector<fs::path> cgroup_dirs(const std::string& name) {
  std::vector<fs::path> out{fs::path("/sys/fs/cgroup") / name};
  for (const auto& hierarchy : list_dir("/sys/fs/cgroup")) out.push_back(fs::path("/sys/fs/cgroup") / hierarchy / name);
  return out;
}

/// `parent` and the directories under it, deepest first (cgroupfs directories go with rmdir, never with their
/// files).
std::vector<fs::path> tree_deepest_first(const fs::path& parent) {
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) return {};
  std::vector<fs::path> dirs{parent};
  for (const auto& entry : fs::recursive_directory_iterator(parent, ec))
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) dirs.push_back(entry.path());
  std::ranges::sort(dirs, [](const fs::path& a, const fs::path& b) { return a.native().size() > b.native().size(); });
  return dirs;
}

}  // namespace

void kill_cgroup_processes(const std::string& name) {
  for (const fs::path& top : cgroup_dirs(name))
    for (const fs::path& dir : tree_deepest_first(top)) {
      std::istringstream procs(read_file((dir / "cgroup.procs").string()));
      for (pid_t pid = 0; procs >> pid;)
        if (pid > 0) ::kill(pid, SIGKILL);
    }
}

bool remove_cgroup_parent(const std::string& name) {
  for (int attempt = 0; attempt < 60; ++attempt) {
    bool all_gone = true;
    for (const fs::path& top : cgroup_dirs(name)) {
      for (const fs::path& dir : tree_deepest_first(top)) ::rmdir(dir.c_str());
      std::error_code ec;
      all_gone &= !fs::exists(top, ec);
    }
    if (all_gone) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace nexus::testutil
