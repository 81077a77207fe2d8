#pragma once
#include <filesystem>
#include <string>
#include <utility>

namespace nexus::bench {

/// A path that the derived class's destructor cleans up. Move-only: a moved-from one owns nothing (its path is
/// empty, which the destructors check), so a vector of them may grow.
class OwnedPath {
 public:
  const std::filesystem::path& path() const { return path_; }

 protected:
  explicit OwnedPath(std::filesystem::path path) : path_(std::move(path)) {}
  OwnedPath(OwnedPath&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  OwnedPath& operator=(OwnedPath&&) = delete;
  ~OwnedPath() = default;

  std::filesystem::path path_;
};

/// A directory removed with its contents on destruction (lease data dirs: 60,000 files are worth freeing
/// as soon as a measurement ends rather than all at the end).
class ScratchDir : public OwnedPath {
 public:
  explicit ScratchDir(std::filesystem::path path);
  ScratchDir(ScratchDir&&) noexcept = default;
  ~ScratchDir();
};

/// Moves the bench process into its own network and mount namespaces, so every bridge, veth, nft/iptables rule
/// and netns bind mount lives there and vanishes with the process (even on SIGKILL). Owns a work directory
/// (lease data dirs, netns files) that is removed on destruction.
class Sandbox {
 public:
  /// Unshares net+mount namespaces, makes mounts private, remounts /sys for the new netns, brings lo up,
  /// and creates a fresh work directory under `parent`, on a private tmpfs when `tmpfs` is set.
  Sandbox(const std::filesystem::path& parent, bool tmpfs);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::filesystem::path& work_dir() const { return work_dir_; }
  /// A fresh empty subdirectory of the work directory, removed when the returned object goes.
  ScratchDir make_dir(const std::string& name) const;

 private:
  std::filesystem::path work_dir_;
  bool tmpfs_ = false;
};

/// A container network namespace pinned by a bind mount on a file (as `ip netns add` does), entered only by the
/// plugins. Unmounted and removed on destruction.
class ContainerNetns : public OwnedPath {
 public:
  explicit ContainerNetns(std::filesystem::path path);
  ContainerNetns(ContainerNetns&&) noexcept = default;
  ~ContainerNetns();
};

/// Brings the loopback interface of the current netns up.
void bring_loopback_up();

}  // namespace nexus::bench
