#pragma once
// A container root filesystem of Debian's busybox-static, for runtimes that run a real container (podman,
// containerd) without downloading an image.
#include <string>

namespace nexus::testutil {

/// /bin/busybox and its applet links (sh, ip, ping, cat, sleep) under `dir`, plus the empty directories a
/// runtime mounts over (/etc, /proc, /sys, /dev, /tmp).
void make_busybox_rootfs(const std::string& dir);

}  // namespace nexus::testutil
