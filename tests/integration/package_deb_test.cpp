// The Debian package (packaging/deb.cmake): `cpack -G DEB` builds it from this build, apt-get installs it, the
// installed `nexus` creates a networked node with the installed plugins, and removing the package takes the
// executables but leaves the conffile, the lease dir and the node's state. The package's paths are the
// machine's own (/opt/cni/bin, /usr/bin, /etc/cni/net.d): files found there before are put back afterwards.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/command.h"
#include "tests/testutil/root.h"

using namespace nexus::launcher_test;
using nexus::testutil::run_command;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kPackageFiles = {"/opt/cni/bin/nexus-bridge", "/opt/cni/bin/nexus-ipam",
                                                "/opt/cni/bin/nexus-nftables", "/usr/bin/nexus",
                                                "/usr/lib/systemd/system/nexus-firewall-reload.service",
                                                "/etc/cni/net.d/10-nexus.conflist"};

// Installs the package for the test's lifetime: keeps a copy of whatever was at its paths, and on the way out
// purges the package (whatever the test reached) and puts those files back.
class InstalledPackage {
 public:
  explicit InstalledPackage(const std::string& deb) {
    for (const std::string& f : kPackageFiles) {
      if (!fs::exists(f)) continue;
      const std::string copy = saved_.path() + "/" + std::to_string(kept_.size());
      fs::copy_file(f, copy);
      kept_[f] = copy;
    }
    install = apt({"install", "-y", "-o", "Dpkg::Options::=--force-confnew", deb});
  }
  ~InstalledPackage() {
    apt({"purge", "-y", "nexus"});
    for (const auto& [path, copy] : kept_) {
      fs::create_directories(fs::path(path).parent_path());
      fs::copy_file(copy, path, fs::copy_options::overwrite_existing);
    }
  }
  InstalledPackage(const InstalledPackage&) = delete;
  InstalledPackage& operator=(const InstalledPackage&) = delete;

  static CommandResult apt(std::vector<std::string> args) {
    args.insert(args.begin(), "apt-get");
    return run_command(args, {.env = {"DEBIAN_FRONTEND=noninteractive"}, .timeout_ms = 300000});
  }

  CommandResult install;

 private:
  nexus::testutil::TempDir saved_;
  std::map<std::string, std::string> kept_;
};

std::string field(const std::string& deb, const std::string& name) {
  return run_command({"dpkg-deb", "--field", deb, name}).out;
}

}  // namespace

TEST_CASE("package: the .deb installs with apt-get, its nexus creates a node, removal keeps leases and state" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  REQUIRE_MESSAGE(run_command({"dpkg-query", "--show", "nexus"}).exit_code != 0,
                  "a nexus package is installed on this machine: this test would replace it");
  nexus::testutil::TempDir out;
  const CommandResult cpack = run_command(
      {"cpack", "-G", "DEB", "-B", out.path(), "--config", std::string(NEXUS_BUILD_DIR) + "/CPackConfig.cmake"},
      {.timeout_ms = 300000});
  REQUIRE_MESSAGE(cpack.exit_code == 0, cpack.out << cpack.err);
  std::string deb;
  for (const auto& e : fs::directory_iterator(out.path()))
    if (e.path().extension() == ".deb") deb = e.path().string();
  REQUIRE_MESSAGE(deb.find("/nexus_") != std::string::npos, "no nexus_*.deb in " << cpack.out);

  // Debian's package names as dependencies: what the executables link, and libnftables, which they load.
  const std::string depends = field(deb, "Depends");
  CHECK_MESSAGE(depends.find("libc6") != std::string::npos, depends);
  CHECK_MESSAGE(depends.find("libnftables1") != std::string::npos, depends);
  CHECK(run_command({"dpkg-deb", "--info", deb, "conffiles"}).out.find("/etc/cni/net.d/10-nexus.conflist") !=
        std::string::npos);

  LauncherWorld w;
  // The installed plugins only, with the lease dir in the test's world.
  nlohmann::json conf = nlohmann::json::parse(R"({"cniVersion": "1.0.0", "name": "pkgtest", "plugins": [
      {"type": "nexus-bridge", "bridge": "nxpkg0", "isGateway": true,
       "ipam": {"type": "nexus-ipam", "ranges": [[{"subnet": "10.124.0.0/24"}]]}}]})");
  conf["plugins"][0]["ipam"]["dataDir"] = w.path() + "/ipam";
  w.write_conflist("pkgtest", conf);
  std::vector<std::string> env = w.env();
  env.push_back("NEXUS_CNI_PATH=/opt/cni/bin");

  {
    InstalledPackage package(deb);
    REQUIRE_MESSAGE(package.install.exit_code == 0, package.install.out << package.install.err);
    for (const std::string& f : kPackageFiles) CHECK_MESSAGE(fs::exists(f), f);
    CHECK(run_command({"dpkg-query", "--show", "--showformat=${Conffiles}", "nexus"}).out.find(
              "/etc/cni/net.d/10-nexus.conflist") != std::string::npos);

    const CommandResult create = run_command(
        {"/usr/bin/nexus", "node", "create", "pkg-001", "--net", "pkgtest", "--mem", "64", "--cpu", "256"},
        {.env = env});
    REQUIRE_MESSAGE(create.exit_code == 0, create.out << create.err);
    const CommandResult ping = run_command({"/usr/bin/nexus", "node", "exec", "pkg-001", "--", "ping", "-c1", "-W2",
                                            "10.124.0.1"},
                                           {.env = env});
    CHECK_MESSAGE(ping.exit_code == 0, ping.out << ping.err);
    std::string lease;
    for (const std::string& f : nexus::testutil::list_dir(w.path() + "/ipam/pkgtest"))
      if (f.rfind("10.124.0.", 0) == 0) lease = w.path() + "/ipam/pkgtest/" + f;
    REQUIRE_MESSAGE(!lease.empty(), "no lease for the node");

    const CommandResult remove = InstalledPackage::apt({"remove", "-y", "nexus"});
    REQUIRE_MESSAGE(remove.exit_code == 0, remove.out << remove.err);
    for (const char* f : {"/opt/cni/bin/nexus-bridge", "/opt/cni/bin/nexus-ipam",
                                 "/opt/cni/bin/nexus-nftables", "/usr/bin/nexus",
                                 "/usr/lib/systemd/system/nexus-firewall-reload.service"})
      CHECK_MESSAGE(!fs::exists(f), f);
    CHECK(fs::exists("/etc/cni/net.d/10-nexus.conflist"));  // a conffile outlives a removal (not a purge)
    CHECK(fs::exists(lease));
    CHECK(w.show("pkg-001").is_object());  // the node's state, read by this build's nexus
  }
  // The world deletes the node with this build's nexus and plugins.
}
