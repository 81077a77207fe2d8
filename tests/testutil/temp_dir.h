#pragma once
#include <string>
#include <vector>

namespace nexus::testutil {

/// A fresh directory under `base` (default /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& base = "/tmp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// Whole content of a file; empty when it cannot be read.
std::string read_file(const std::string& path);
/// Names of the entries of a directory (not "." or ".."), sorted; empty when it does not exist.
std::vector<std::string> list_dir(const std::string& path);

}  // namespace nexus::testutil
