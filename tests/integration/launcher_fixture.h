#pragma once
// A throwaway world for the nexus launcher: the test thread sits in a fresh host netns (bridges and veths made
// by plugins live and die there), and state, conf, CNI cache, leases and netns pins live in a temp dir, nodes'
// cgroups under a test-only parent. The destructor deletes every node left and all of it.
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared/runtime/cgroup.h"
#include "tests/testutil/command.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::launcher_test {

using testutil::CommandResult;

inline const std::string kNexus = std::string(NEXUS_BUILD_DIR) + "/nexus";

inline const std::string kSubnet = "10.123.0";  // the test network's /24

class LauncherWorld {
 public:
  LauncherWorld() : cgroup_parent_("nexus-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++)) {
    for (const char* sub : {"/state", "/conf", "/cache", "/netns", "/ipam", "/bin"})
      std::filesystem::create_directories(dir_.path() + sub);
    write_conflist("ittest", reference_plugins(false));
  }

  ~LauncherWorld() {
    CommandResult list = nexus({"node", "list", "--json"});
    auto nodes = nlohmann::json::parse(list.out, nullptr, false);
    if (nodes.is_array())
      for (const auto& node : nodes) nexus({"node", "delete", "--force", node["name"].get<std::string>()});
    ::umount2(netns_dir().c_str(), MNT_DETACH);  // nexus made it a (shared) mount point, as ip netns does
    for (const std::string& dir : cgroup_parent_dirs()) ::rmdir(dir.c_str());
    ::rmdir(("/sys/fs/cgroup/unified/" + cgroup_parent_).c_str());  // tests of the hybrid v2 tree
  }

  LauncherWorld(const LauncherWorld&) = delete;
  LauncherWorld& operator=(const LauncherWorld&) = delete;

  /// Runs nexus with the isolated locations.
  CommandResult nexus(const std::vector<std::string>& args, const std::string& stdin_data = "",
                      const std::vector<std::string>& extra_env = {}) const {
    std::vector<std::string> argv{kNexus};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> all_env = env();
    all_env.insert(all_env.end(), extra_env.begin(), extra_env.end());
    // Not own_sysfs: nexus must run in the real mount namespace, where its netns pins and cgroups live.
    return testutil::run_command(argv, {.stdin_data = stdin_data, .env = all_env});
  }

  std::vector<std::string> env() const {
    return {"NEXUS_STATE_DIR=" + dir_.path() + "/state", "NEXUS_CONF_DIR=" + dir_.path() + "/conf",
            "NEXUS_CNI_PATH=" + dir_.path() + "/bin:" + NEXUS_BUILD_DIR + ":/usr/lib/cni", "NEXUS_CNI_CACHE_DIR=" + dir_.path() + "/cache",
            "NEXUS_NETNS_DIR=" + netns_dir(), "NEXUS_CGROUP_PARENT=" + cgroup_parent_};
  }

  /// The reference bridge + host-local (optionally chained with portmap) on kSubnet, leases in the temp dir.
  nlohmann::json reference_plugins(bool with_portmap) const {
    nlohmann::json bridge = {
        {"type", "bridge"}, {"bridge", "nxit0"}, {"isGateway", true}, {"ipMasq", false}, {"hairpinMode", true},
        {"capabilities", {{"ips", true}}},
        {"ipam", {{"type", "host-local"}, {"dataDir", dir_.path() + "/ipam"},
                  {"ranges", {{{{"subnet", kSubnet + ".0/24"}, {"gateway", kSubnet + ".1"}}}}},
                  {"routes", {{{"dst", "0.0.0.0/0"}}}}}}};
    nlohmann::json plugins = {bridge};
    if (with_portmap) plugins.push_back({{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}});
    return {{"cniVersion", "1.0.0"}, {"name", "ittest"}, {"plugins", plugins}};
  }

  void write_conflist(const std::string& name, const nlohmann::json& conf) const {
    std::ofstream(dir_.path() + "/conf/10-" + name + ".conflist") << conf.dump(2);
  }

  /// Installs a plugin script into the first CNI_PATH dir.
  void write_plugin(const std::string& name, const std::string& script) const {
    const std::string path = dir_.path() + "/bin/" + name;
    std::ofstream(path) << script;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }

  const std::string& path() const { return dir_.path(); }
  std::string netns_dir() const { return dir_.path() + "/netns"; }
  std::string state_dir() const { return dir_.path() + "/state"; }
  std::string lease_dir() const { return dir_.path() + "/ipam/ittest"; }
  const std::string& cgroup_parent() const { return cgroup_parent_; }

  /// Leased addresses (host-local files named after the address).
  std::vector<std::string> leases() const {
    std::vector<std::string> out;
    for (const std::string& f : testutil::list_dir(lease_dir()))
      if (f.rfind(kSubnet + ".", 0) == 0) out.push_back(f);
    return out;
  }

  /// Node cgroup directories under the test parent (one per node on v2, counted once on v1).
  std::vector<std::string> node_cgroups() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(cgroup_parent_dirs().front(), ec))
      if (e.is_directory()) out.push_back(e.path().filename().string());
    return out;
  }

  /// Host-side veths in the test's host netns.
  std::vector<std::string> veths() const {
    CommandResult r = testutil::run_shell("ip -o link show type veth | awk -F': ' '{print $2}'");
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) out.push_back(line);
    return out;
  }

  /// The record of a node as `nexus node show` prints it.
  nlohmann::json show(const std::string& name) const {
    return nlohmann::json::parse(nexus({"node", "show", name}).out, nullptr, false);
  }

 private:
  static std::atomic<int>& counter() {
    static std::atomic<int> n{0};
    return n;
  }

  std::vector<std::string> cgroup_parent_dirs() const {
    const std::string root = "/sys/fs/cgroup";
    if (runtime::detect_cgroup_version(root) == runtime::CgroupVersion::V2) return {root + "/" + cgroup_parent_};
    return {root + "/memory/" + cgroup_parent_, root + "/cpu/" + cgroup_parent_};
  }

  testutil::HostNetns host_;
  testutil::TempDir dir_;
  std::string cgroup_parent_;
};

}  // namespace nexus::launcher_test
