#pragma once
// File helpers shared by the two cgroup implementations.
#include <string>

namespace nexus::runtime::cgroupfs {

/// Writes `value` to `dir/file`; throws Error (a missing controller file fails on cgroupfs: it cannot create).
void write_file(const std::string& dir, const std::string& file, const std::string& value);
/// mkdir that tolerates an existing directory when `may_exist`; otherwise replaces an existing empty cgroup and
/// throws Error for one that holds processes.
void make_dir(const std::string& dir, bool may_exist);
/// rmdir, retried for a short while on EBUSY (tasks still exiting); ENOENT counts as success.
void remove_dir(const std::string& dir);
/// True when `path` is a directory.
bool is_dir(const std::string& path);

}  // namespace nexus::runtime::cgroupfs
