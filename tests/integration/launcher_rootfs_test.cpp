// --rootfs with a hostile tree: symlinks to host paths, ".." chains and procfs links in etc, etc/hosts,
// etc/resolv.conf, proc, dev and sys must never make the launcher create, cover or change a file outside the
// rootfs; the node either starts safely inside it or fails with a clear error and nothing left. And a rootfs
// node gets a working /dev and a read-only /sys.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus::launcher_test;
using nexus::testutil::read_file;
namespace fs = std::filesystem;

namespace {

// A rootfs with busybox as /bin/sh.
std::string make_rootfs(const LauncherWorld& w, const std::string& name) {
  const std::string rootfs = w.path() + "/" + name;
  fs::create_directories(rootfs + "/bin");
  fs::copy_file("/bin/busybox", rootfs + "/bin/busybox");
  fs::create_symlink("busybox", rootfs + "/bin/sh");
  return rootfs;
}

// Every file under `dir` with its content (the "host" side the hostile links point at).
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out[e.path().string()] = e.is_regular_file() ? read_file(e.path().string()) : "<dir>";
  return out;
}

}  // namespace

TEST_CASE("launcher: a hostile --rootfs never touches the host: each link is refused or stays inside" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  // The "host" files an attacker aims at: a directory outside every rootfs.
  const std::string host = w.path() + "/host-side";
  fs::create_directories(host + "/etc");
  std::ofstream(host + "/etc/hosts") << "host original\n";
  std::ofstream(host + "/etc/resolv.conf") << "nameserver 192.0.2.1\n";
  const auto before = snapshot(host);
  const std::string up = "../../../../../../../../../../../..";
  struct Case {
    std::string what;
    std::string link;    // inside the rootfs
    std::string target;  // where it points
  };
  const std::vector<Case> cases = {
      {"etc -> host dir (absolute)", "etc", host + "/etc"},
      {"etc -> host dir (.. chain)", "etc", up + host + "/etc"},
      {"etc/hosts -> host file (absolute)", "etc/hosts", host + "/etc/hosts"},
      {"etc/hosts -> host file (.. chain)", "etc/hosts", up + host + "/etc/hosts"},
      {"etc/resolv.conf -> a procfs link to the host root", "etc/resolv.conf", "/proc/1/root" + host + "/etc/resolv.conf"},
      {"etc/hosts -> a missing host file", "etc/hosts", host + "/etc/new-file"},
      {"proc -> host dir", "proc", host},
      {"dev -> host dir", "dev", host},
      {"sys -> host dir (.. chain)", "sys", up + host},
  };
  int n = 0;
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const std::string rootfs = make_rootfs(w, "hostile" + std::to_string(n));
    fs::create_directories(fs::path(rootfs + "/" + c.link).parent_path());
    fs::create_symlink(c.target, rootfs + "/" + c.link);
    const std::string name = "hostile" + std::to_string(n++);
    const CommandResult r = w.nexus({"node", "create", name, "--net", "ittest", "--rootfs", rootfs});
    CAPTURE(r.err);
    if (r.exit_code == 0) {
      // A safe result: the node runs and sees its own files, the host's untouched.
      const CommandResult hosts = w.nexus({"node", "exec", name, "--", "/bin/busybox", "cat", "/etc/hosts"});
      CHECK(hosts.out.find("\t" + name + "\n") != std::string::npos);
      CHECK(w.nexus({"node", "delete", name}).exit_code == 0);
    } else {
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("in the rootfs") != std::string::npos);  // says where it failed
      CHECK_FALSE(fs::exists(w.state_dir() + "/nodes/" + name));
    }
    CHECK(snapshot(host) == before);
    CHECK(w.leases().empty());
  }
  CHECK(read_file(host + "/etc/hosts") == "host original\n");
  CHECK_FALSE(fs::exists(host + "/etc/new-file"));
}

TEST_CASE("launcher: links that stay inside the rootfs are followed there; a FIFO as /etc/hosts is refused" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  const std::string rootfs = make_rootfs(w, "inside");
  fs::create_directories(rootfs + "/real/etc");
  fs::create_symlink("/real/etc", rootfs + "/etc");  // absolute, meant relative to the rootfs
  REQUIRE(w.nexus({"node", "create", "inside", "--net", "ittest", "--rootfs", rootfs}).exit_code == 0);
  CHECK(fs::exists(rootfs + "/real/etc/hosts"));  // created where the link leads inside the rootfs
  const CommandResult hosts = w.nexus({"node", "exec", "inside", "--", "/bin/busybox", "cat", "/etc/hosts"});
  CHECK(hosts.out.find("\tinside\n") != std::string::npos);

  const std::string fifo_root = make_rootfs(w, "fifo");
  fs::create_directories(fifo_root + "/etc");
  REQUIRE(::mkfifo((fifo_root + "/etc/hosts").c_str(), 0644) == 0);
  const CommandResult r = w.nexus({"node", "create", "fifo", "--net", "ittest", "--rootfs", fifo_root});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("/etc/hosts in the rootfs is not a regular file") != std::string::npos);
}

TEST_CASE("launcher: a --rootfs node gets /dev (null, zero, random, urandom, tty, pts, shm) and a read-only /sys" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  const std::string rootfs = make_rootfs(w, "devsys");
  REQUIRE(w.nexus({"node", "create", "devsys", "--net", "ittest", "--rootfs", rootfs}).exit_code == 0);
  const auto sh = [&](const std::string& script) {
    return w.nexus({"node", "exec", "devsys", "--", "/bin/busybox", "sh", "-c", script});
  };
  CommandResult listing = sh("cd /dev && /bin/busybox ls");
  for (const char* entry : {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx", "fd"})
    CHECK_MESSAGE(("\n" + listing.out).find(std::string("\n") + entry + "\n") != std::string::npos, entry,
                  " missing from /dev: ", listing.out);
  CHECK(sh("echo x > /dev/null && /bin/busybox head -c 16 /dev/urandom | /bin/busybox wc -c").out == "16\n");
  CHECK(sh("/bin/busybox head -c 4 /dev/zero | /bin/busybox od -An -tx1").out.find("00 00 00 00") != std::string::npos);
  CHECK(sh("echo shared > /dev/shm/f && /bin/busybox cat /dev/shm/f").out == "shared\n");
  // /sys is this node's: its eth0 is there, and nothing can be written.
  const CommandResult mac = sh("/bin/busybox cat /sys/class/net/eth0/address");
  CHECK(mac.exit_code == 0);
  CHECK(mac.out.size() == 18);
  CHECK(sh("echo 1 > /sys/class/net/eth0/mtu").exit_code != 0);
  CHECK(sh("/bin/busybox grep ' /sys ' /proc/mounts").out.find(" ro,") != std::string::npos);
  // The host's /dev is not the node's.
  CHECK_FALSE(fs::exists(rootfs + "/dev/null"));  // seen from the host: the rootfs's own dev dir stays empty
}
