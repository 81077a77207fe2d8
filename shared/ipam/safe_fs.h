#pragma once
// File-system steps of the lease store, all relative to an open directory and never following symlinks,
// so no network name, container ID or planted symlink can point an operation outside the data dir.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/util/unique_fd.h"

namespace nexus::ipam {

/// True for names matching ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ (at most 253 bytes): usable as one path component.
bool is_safe_name(std::string_view name) noexcept;

/// Opens the data dir (creating missing components 0700 when `create`); the last component must not be a
/// symlink. Returns an empty fd when it is missing and !create. Throws Error on other failures.
UniqueFd open_data_dir(const std::string& path, bool create);
/// Opens (creating 0700 when `create`) the directory `name` under `dir` without following symlinks.
/// Returns an empty fd when missing and !create.
UniqueFd open_subdir(int dir, const std::string& name, bool create);

/// Contents of a regular file under `dir` (at most `limit` bytes); nullopt when missing or not regular.
std::optional<std::string> read_file_at(int dir, const std::string& name, std::size_t limit = 4096);
/// True when `name` exists under `dir` (any type; symlinks are not followed).
bool exists_at(int dir, const std::string& name);
/// Writes `content` to a new 0600 file `name` under `dir` (O_EXCL, no symlink follow). Throws on failure.
void write_new_file_at(int dir, const std::string& name, std::string_view content);
/// Writes all of `content` to `fd`; `what` names the file in the error.
void write_all(int fd, std::string_view content, const std::string& what);
/// Removes `name` under `dir`; a missing file is fine. Throws on other failures.
void remove_at(int dir, const std::string& name);
/// Names of the entries of `dir` except "." and "..".
std::vector<std::string> list_dir(int dir);

}  // namespace nexus::ipam
