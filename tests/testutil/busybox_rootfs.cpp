#include "tests/testutil/busybox_rootfs.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace nexus::testutil {

void make_busybox_rootfs(const std::string& dir) {
  fs::create_directories(dir + "/bin");
  fs::copy_file("/bin/busybox", dir + "/bin/busybox");
  for (const char* applet : {"sh", "ip", "ping", "cat", "sleep"})
    fs::create_symlink("busybox", dir + "/bin/" + applet);
  for (const char* sub : {"/etc", "/proc", "/sys", "/dev", "/tmp"}) fs::create_directories(dir + sub);
}

}  // namespace nexus::testutil
