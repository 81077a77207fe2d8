#pragma once
// A containerd daemon of the test's own, in the test's netns and a private mount namespace: its root, state,
// socket and config are in a temp dir, and the host directories it, its shims and ctr hard-code are temp dirs
// too (private_host_dirs.h), so the machine's containerd (if any) and its files are never touched.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/testutil/background_command.h"
#include "tests/testutil/command.h"
#include "tests/testutil/private_host_dirs.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::testutil {

class PrivateContainerd {
 public:
  /// Starts containerd (snapshotter overlayfs, runtime io.containerd.runc.v2, no CRI plugin) with `host_dirs`
  /// replaced, plus /run/containerd (shim sockets, runc state, ctr's fifos). Returns once it answers; the test
  /// fails (REQUIRE) when it does not, or when it is not in the caller's netns.
  explicit PrivateContainerd(std::vector<HostDirReplacement> host_dirs);
  /// Kills what the test left (containers, shims, containerd, whose mount namespace goes with them) and
  /// removes the containers' cgroup parent: nothing of it outlives the test, passed or failed.
  ~PrivateContainerd();
  PrivateContainerd(const PrivateContainerd&) = delete;
  PrivateContainerd& operator=(const PrivateContainerd&) = delete;

  /// argv of `ctr <args>` on this daemon and its containerd namespace, run in the daemon's mount namespace
  /// and netns (where CNI plugins that ctr runs then run): for a ctr that stays in the foreground.
  std::vector<std::string> ctr_argv(const std::vector<std::string>& args) const;
  /// `ctr <args>` run to completion.
  CommandResult ctr(const std::vector<std::string>& args, int timeout_ms = 30000) const;
  /// The containerd namespace ("nexus-ctr-<pid>"): CNI sees containers as "<namespace>-<id>", and runc puts them
  /// in the cgroup /<namespace>/<id>.
  const std::string& ns() const { return ns_; }
  /// What containerd logged (for failure messages).
  std::string log() const { return daemon_ ? daemon_->err() : ""; }

 private:
  TempDir dir_;
  std::string ns_;
  std::string socket_;
  std::unique_ptr<BackgroundCommand> daemon_;
  ino_t mount_ns_ = 0;
};

}  // namespace nexus::testutil
