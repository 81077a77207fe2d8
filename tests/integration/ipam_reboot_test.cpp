// nexus-ipam after a reboot: the first use in a new boot frees every lease written before the boot (their
// containers died with the old kernel), without a GC, and only those (shared/ipam/reboot_reclaim.cpp).
// The reboot is faked: the plugin runs in a private mount namespace where the kernel's boot ID file is one of the
// test's making, holding an ID no boot of this host had; and the leases of the "earlier boot" are real lease files
// whose mtime the test sets to a day before the host's real boot.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "tests/testutil/bind_mount_wrapper.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/plugin_runner.h"
#include "tests/testutil/root.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

const std::string kIpam = nexus_plugin_dir() + "/nexus-ipam";
const std::string kHostLocal = std::string(kReferencePluginDir) + "/host-local";
constexpr const char* kBootIdFile = "/proc/sys/kernel/random/boot_id";

// The plugins as a rebooted host runs them: its kernel's boot ID is a fresh UUID.
struct Rebooted {
  TempDir bin;
  const std::string boot_id = bin.path() + "/boot_id";
  const std::string ipam = bind_mount_wrapper(bin, "nexus-ipam-after-reboot", boot_id, kBootIdFile, kIpam);
  const std::string bridge =
      bind_mount_wrapper(bin, "nexus-bridge-after-reboot", boot_id, kBootIdFile, nexus_bridge_path());

  Rebooted() {
    std::ofstream(boot_id) << read_file("/proc/sys/kernel/random/uuid");
    REQUIRE(read_file(boot_id).size() == 37);
    REQUIRE(read_file(boot_id) != read_file(kBootIdFile));
  }
};

// Network "rebootnet", addresses 10.71.0.10 to 10.71.0.<9 + size>, for nexus-ipam or host-local alike.
json ipam_config(const std::string& type, const std::string& data_dir, int size = 4,
                 const std::string& version = "1.0.0") {
  const json range = {{"subnet", "10.71.0.0/24"},
                      {"rangeStart", "10.71.0.10"},
                      {"rangeEnd", "10.71.0." + std::to_string(9 + size)}};
  return {{"cniVersion", version},
          {"name", "rebootnet"},
          {"type", type},  // called directly, the IPAM plugin is the config's plugin
          {"ipam", {{"type", type}, {"dataDir", data_dir}, {"ranges", json::array({json::array({range})})}}}};
}

std::string net_dir(const TempDir& data) { return data.path() + "/rebootnet"; }

PluginRun add(const std::string& plugin, const json& conf, const std::string& id) {
  return run_plugin(plugin, {.command = "ADD", .container_id = id, .netns = "/dev/null", .ifname = "eth0"}, conf);
}

// The address of a successful ADD, without its prefix length.
std::string address_of(const PluginRun& r) {
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  const std::string a = r.json()["ips"][0]["address"];
  return a.substr(0, a.find('/'));
}

// Lease files (named by an address) of a network dir, with their content.
std::map<std::string, std::string> leases(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& name : list_dir(dir))
    if (name.starts_with("10.")) out[name] = read_file(dir + "/" + name);
  return out;
}

// /proc/stat's btime: when the host's kernel started, in seconds of the wall clock.
std::time_t boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      long long t = 0;
      in >> t;
      return static_cast<std::time_t>(t);
    }
  }
  FAIL("no btime in /proc/stat");
  return 0;
}

// Makes every lease file of `dir` look written a day before this boot started.
void lease_files_before_boot(const std::string& dir) {
  const timespec day_before{boot_time() - 86400, 0};
  const timespec times[2] = {day_before, day_before};
  for (const auto& [name, content] : leases(dir)) {
    REQUIRE(::utimensat(AT_FDCWD, (dir + "/" + name).c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
  }
}

// What under `dir` still names containers whose IDs contain `text`: files holding it (leases) and files named
// with it (nexus-ipam's index entries). Empty when nothing does.
std::string traces_of(const TempDir& data, const std::string& text) {
  return run_shell("grep -rl '" + text + "' " + data.path() + "; find " + data.path() + " -name '*" + text + "*'").out;
}

}  // namespace

TEST_CASE("nexus-ipam after a reboot: a range full before it serves ADDs again, and no trace of the old leases "
          "is left" * doctest::skip(skip_root_tests())) {
  TempDir data;
  Rebooted host;
  const json conf = ipam_config("nexus-ipam", data.path());
  for (int i = 0; i < 4; ++i) address_of(add(kIpam, conf, "old-" + std::to_string(i)));
  CHECK_CNI_ERROR(add(kIpam, conf, "old-4"), 11);
  lease_files_before_boot(net_dir(data));
  REQUIRE(traces_of(data, "old-") != "");

  const std::string first = address_of(add(host.ipam, conf, "new-0"));
  CHECK(leases(net_dir(data)) == std::map<std::string, std::string>{{first, "new-0\r\neth0"}});
  CHECK_MESSAGE(traces_of(data, "old-") == "", "the dead containers' leases or index entries are left");
  // The whole range is free again, and only the range.
  for (int i = 1; i < 4; ++i) address_of(add(host.ipam, conf, "new-" + std::to_string(i)));
  CHECK_CNI_ERROR(add(host.ipam, conf, "new-4"), 11);
  CHECK(leases(net_dir(data)).size() == 4);
}

TEST_CASE("nexus-bridge after a reboot: its in-process nexus-ipam serves a range that was full before it" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  Rebooted host;
  ContainerNetns container;
  const json conf = env.config("10.72.0.0/24", {{"ipam", {{"ranges", json::parse(R"(
      [[{"subnet":"10.72.0.0/24","rangeStart":"10.72.0.10","rangeEnd":"10.72.0.11"}]])")}}}});
  const std::string net = env.data.path() + "/testnet";
  // Leased by nexus-ipam itself, for containers that died with the earlier boot (they need no netns here).
  for (const char* id : {"old-0", "old-1"}) address_of(add(kIpam, conf, id));
  CHECK_CNI_ERROR(add(kIpam, conf, "old-2"), 11);
  lease_files_before_boot(net);

  PluginCall call{.command = "ADD", .container_id = "new-0", .netns = container.path(), .ifname = "eth0"};
  call.extra_env = {{"NEXUS_DELEGATE_TRACE", "1"}};
  const PluginRun r = run_plugin(host.bridge, call, conf);
  const std::string address = address_of(r);
  CHECK_MESSAGE(r.err.find("nexus-ipam ADD: in-process") != std::string::npos, r.err);
  CHECK((address == "10.72.0.10" || address == "10.72.0.11"));
  CHECK(leases(net) == std::map<std::string, std::string>{{address, "new-0\r\neth0"}});
  CHECK(traces_of(env.data, "old-") == "");
  CHECK(run_in_netns(container, "ip -4 -o addr show dev eth0").out.find(address + "/24") != std::string::npos);
}

TEST_CASE("nexus-ipam after a reboot: host-local's leases of the earlier boot in the same data dir are reclaimed" *
          doctest::skip(skip_root_tests())) {
  TempDir data;
  Rebooted host;
  const json ours = ipam_config("nexus-ipam", data.path()), theirs = ipam_config("host-local", data.path());
  for (int i = 0; i < 4; ++i) address_of(add(kHostLocal, theirs, "hl-" + std::to_string(i)));
  CHECK(add(kHostLocal, theirs, "hl-4").exit_code != 0);
  CHECK_CNI_ERROR(add(kIpam, ours, "new-0"), 11);  // full for both, in the boot they were written in
  lease_files_before_boot(net_dir(data));

  const std::string ours_now = address_of(add(host.ipam, ours, "new-0"));
  CHECK(leases(net_dir(data)) == std::map<std::string, std::string>{{ours_now, "new-0\r\neth0"}});
  CHECK_MESSAGE(traces_of(data, "hl-") == "", "host-local's leases of the earlier boot are left");
  // host-local, sharing the dir, gets a freed address too.
  const std::string theirs_now = address_of(add(kHostLocal, theirs, "hl-new"));
  CHECK(theirs_now != ours_now);
  CHECK(leases(net_dir(data)).size() == 2);
}

TEST_CASE("nexus-ipam after a reboot: leases written since the boot, by host-local or anyone, are kept" *
          doctest::skip(skip_root_tests())) {
  TempDir data;
  Rebooted host;
  const json ours = ipam_config("nexus-ipam", data.path()), theirs = ipam_config("host-local", data.path());
  const std::string net = net_dir(data);
  const std::set<std::string> dead = {address_of(add(kIpam, ours, "old-0")), address_of(add(kIpam, ours, "old-1"))};
  lease_files_before_boot(net);
  // Since the boot, and before nexus-ipam's first use in it: host-local and another runtime lease the rest.
  address_of(add(kHostLocal, theirs, "hl-since-boot"));
  std::string free_one;
  for (int i = 10; i < 14; ++i)
    if (!leases(net).count("10.71.0." + std::to_string(i))) free_one = "10.71.0." + std::to_string(i);
  REQUIRE(free_one != "");
  std::ofstream(net + "/" + free_one) << "other-runtime-ctr\r\neth0";
  std::map<std::string, std::string> live = leases(net);
  for (const auto& a : dead) live.erase(a);
  REQUIRE(live.size() == 2);

  std::set<std::string> reused;
  for (const char* id : {"new-0", "new-1"}) reused.insert(address_of(add(host.ipam, ours, id)));
  CHECK(reused == dead);
  CHECK_CNI_ERROR(add(host.ipam, ours, "new-2"), 11);
  for (const auto& [address, content] : live) CHECK(read_file(net + "/" + address) == content);
}

TEST_CASE("nexus-ipam without a reboot: leases older than the boot are kept while the boot ID stays the same" *
          doctest::skip(skip_root_tests())) {
  TempDir data;
  Rebooted host;
  const json conf = ipam_config("nexus-ipam", data.path());
  const std::string net = net_dir(data);
  // In the host's real boot: the first ADD records its boot ID, the next one finds it.
  for (int i = 0; i < 4; ++i) address_of(add(kIpam, conf, "old-" + std::to_string(i)));
  lease_files_before_boot(net);
  const auto before = leases(net);
  CHECK_CNI_ERROR(add(kIpam, conf, "old-4"), 11);
  CHECK(leases(net) == before);

  // The same in the faked boot, once its first use has recorded it.
  for (int i = 0; i < 4; ++i) address_of(add(host.ipam, conf, "new-" + std::to_string(i)));
  lease_files_before_boot(net);
  const auto after = leases(net);
  CHECK_CNI_ERROR(add(host.ipam, conf, "new-4"), 11);
  CHECK(leases(net) == after);
  CHECK(traces_of(data, "old-") == "");
}

TEST_CASE("nexus-ipam after a reboot: STATUS as the first use reports the range free again" *
          doctest::skip(skip_root_tests())) {
  TempDir data;
  Rebooted host;
  const json conf = ipam_config("nexus-ipam", data.path(), 4, "1.1.0");
  for (int i = 0; i < 4; ++i) address_of(add(kIpam, conf, "old-" + std::to_string(i)));
  lease_files_before_boot(net_dir(data));
  CHECK_CNI_ERROR(run_plugin(kIpam, {.command = "STATUS"}, conf), 50);

  const PluginRun status = run_plugin(host.ipam, {.command = "STATUS"}, conf);
  CHECK_MESSAGE(status.exit_code == 0, status.out, status.err);
  CHECK(leases(net_dir(data)).empty());
}

TEST_CASE("nexus-ipam after a reboot: 20 first uses at once get 20 different addresses" *
          doctest::skip(skip_root_tests())) {
  constexpr int kAdds = 20;
  TempDir data;
  Rebooted host;
  const json conf = ipam_config("nexus-ipam", data.path(), kAdds);
  for (int i = 0; i < kAdds; ++i) address_of(add(kIpam, conf, "old-" + std::to_string(i)));
  CHECK_CNI_ERROR(add(kIpam, conf, "old-full"), 11);
  lease_files_before_boot(net_dir(data));

  std::vector<PluginRun> runs(kAdds);
  std::vector<std::thread> threads;
  for (int i = 0; i < kAdds; ++i)
    threads.emplace_back([&, i] { runs[i] = add(host.ipam, conf, "new-" + std::to_string(i)); });
  for (auto& t : threads) t.join();
  std::set<std::string> addresses;
  for (const PluginRun& r : runs) addresses.insert(address_of(r));
  CHECK(addresses.size() == kAdds);
  const auto now = leases(net_dir(data));
  CHECK(now.size() == kAdds);
  for (const auto& [address, content] : now) CHECK(content.starts_with("new-"));
  CHECK(traces_of(data, "old-") == "");
}
