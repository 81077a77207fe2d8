// nexus-bridge runs nexus-ipam's verbs in-process when the nexus-ipam it finds in CNI_PATH is of its own build
// (shared/cni/builtin_plugin.h), and execs any other one. Each way gives the same result, errors and lease
// files. In-process is proven with an impostor: a program carrying this build's identity note that only records
// it ran and fails; exec is proven by a wrapper script that records each call before it becomes the real plugin.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/command.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNet = "10.69.0.0/24";
const std::map<std::string, std::string> kForceExec = {{"NEXUS_DELEGATE_EXEC", "1"}};
const std::map<std::string, std::string> kTrace = {{"NEXUS_DELEGATE_TRACE", "1"}};

// A CNI_PATH whose first directory holds a nexus-ipam of the test's making, then the usual one.
struct IpamDir {
  TempDir dir;
  std::string ipam() const { return dir.path() + "/nexus-ipam"; }
  std::string cni_path() const { return dir.path() + ":" + default_cni_path(); }
};

PluginRun run_bridge(const std::string& command, const std::string& id, const std::string& netns, const json& conf,
                     const std::string& cni_path, std::map<std::string, std::string> env = {}) {
  PluginCall call{.command = command, .container_id = id, .netns = netns, .ifname = "eth0"};
  call.cni_path = cni_path;
  call.extra_env = std::move(env);
  return run_plugin(nexus_bridge_path(), call, conf);
}

json gc_conf(json conf, const std::vector<std::string>& ids) {
  json valid = json::array();
  for (const auto& id : ids) valid.push_back({{"containerID", id}, {"ifname", "eth0"}});
  conf["cni.dev/valid-attachments"] = valid;
  return conf;
}

// Every file under `dir`, by its path relative to it, with its content.
std::map<std::string, std::string> files_under(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    files[rel] = e.is_regular_file() ? read_file(e.path().string()) : std::string("<dir>");
  }
  return files;
}

// Lease files of network testnet under `data`: one per address (not the lock, the cursor or the store's own).
int lease_count(const std::string& data) {
  int n = 0;
  for (const auto& name : list_dir(data + "/testnet"))
    n += name != "lock" && !name.starts_with("last_reserved_ip") && !name.starts_with(".");
  return n;
}

// The IPAM part of a bridge result: what the two ways must give alike (MACs and veth names come from elsewhere).
json ipam_part(const PluginRun& add) {
  json j = add.json();
  return {{"cniVersion", j["cniVersion"]}, {"ips", j["ips"]}, {"routes", j.value("routes", json())},
          {"dns", j.value("dns", json())}};
}

}  // namespace

TEST_CASE("ipam in-process: a nexus-ipam of this build in CNI_PATH is not exec'd, for ADD, CHECK, DEL and GC" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c1, c2;
  IpamDir impostor;
  fs::copy_file(std::string(NEXUS_BUILD_DIR) + "/tests/nexus-ipam-impostor", impostor.ipam());
  const std::string ran = impostor.ipam() + ".ran";
  const json conf = env.config(kNet, {}, "1.1.0");

  const PluginRun add = run_bridge("ADD", "inproc-1", c1.path(), conf, impostor.cni_path(), kTrace);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
  CHECK(add.err.find("nexus-ipam ADD: in-process (" + impostor.ipam() + " is this build)") != std::string::npos);
  CHECK(env.lease_count() == 1);
  const PluginRun check = run_bridge("CHECK", "inproc-1", c1.path(), with_prev(conf, add), impostor.cni_path());
  CHECK_MESSAGE(check.exit_code == 0, check.out, check.err);
  const PluginRun gc = run_bridge("GC", "", "", gc_conf(conf, {"inproc-1"}), impostor.cni_path());
  CHECK_MESSAGE(gc.exit_code == 0, gc.out, gc.err);
  CHECK(env.lease_count() == 1);
  const PluginRun del = run_bridge("DEL", "inproc-1", c1.path(), with_prev(conf, add), impostor.cni_path());
  CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
  CHECK(env.lease_count() == 0);
  CHECK_FALSE(fs::exists(ran));

  // Not vacuous: told to exec, the bridge starts the impostor, which fails the ADD and records that it ran.
  const PluginRun forced = run_bridge("ADD", "inproc-2", c2.path(), conf, impostor.cni_path(), kForceExec);
  CHECK_CNI_ERROR(forced, 999);
  CHECK(forced.json().value("msg", "") == "the nexus-ipam impostor was executed");
  CHECK(fs::exists(ran));
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());  // rolled back
}

TEST_CASE("ipam in-process: the result and the lease files are those of the exec'd nexus-ipam" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c1, c2;
  TempDir in_process_data, exec_data;
  std::map<std::string, std::map<std::string, std::string>> leases;
  std::map<std::string, std::vector<json>> results;
  for (const auto& [way, data] : {std::pair{"in-process", &in_process_data}, std::pair{"exec", &exec_data}}) {
    const bool exec = std::string(way) == "exec";
    // Dual stack and a static address: every part of the result the IPAM makes.
    json conf = env.config_sets({kNet, "fd69::/64"}, {{"ipam", {{"dataDir", data->path()},
                                                                {"routes", {{{"dst", "10.200.0.0/16"}}}},
                                                                {"dns", {{"nameservers", {"10.69.0.53"}}}}}}},
                                "0.4.0");
    std::map<std::string, std::string> trace = kTrace;
    if (exec) trace.insert(kForceExec.begin(), kForceExec.end());
    const PluginRun a = run_bridge("ADD", "same-1", c1.path(), conf, default_cni_path(), trace);
    REQUIRE_MESSAGE(a.exit_code == 0, a.out, a.err);
    CHECK(a.err.find(exec ? "nexus-ipam ADD: exec " : "nexus-ipam ADD: in-process") != std::string::npos);
    PluginCall call{.command = "ADD", .container_id = "same-2", .netns = c2.path(), .ifname = "eth0",
                    .args = "IP=10.69.0.77"};
    call.extra_env = trace;
    const PluginRun b = run_plugin(nexus_bridge_path(), call, conf);
    REQUIRE_MESSAGE(b.exit_code == 0, b.out, b.err);
    results[way] = {ipam_part(a), ipam_part(b)};
    leases[way] = files_under(data->path());
    CHECK(lease_count(data->path()) == 4);  // two attachments, two families
    for (const auto& [id, add, ns] : {std::tuple{"same-1", &a, &c1}, std::tuple{"same-2", &b, &c2}}) {
      const PluginRun del = run_bridge("DEL", id, ns->path(), with_prev(conf, *add), default_cni_path(), trace);
      CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    }
    CHECK(lease_count(data->path()) == 0);  // the DELs released the two leases
  }
  CHECK(results["in-process"] == results["exec"]);
  CHECK(results["in-process"][1]["ips"][0]["address"] == "10.69.0.77/24");
  CHECK(leases["in-process"].size() >= 2);
  CHECK(leases["in-process"] == leases["exec"]);
}

TEST_CASE("ipam in-process: a nexus-ipam of another build is exec'd for ADD, CHECK, DEL and GC" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c1;
  const json conf = env.config(kNet, {}, "1.1.0");

  SUBCASE("a wrapper script") {
    IpamDir wrapper;
    const std::string log = wrapper.dir.path() + "/calls";
    std::ofstream(wrapper.ipam()) << "#!/bin/sh\necho $CNI_COMMAND >> " << log << "\nexec " << nexus_plugin_dir()
                                  << "/nexus-ipam\n";
    REQUIRE(::chmod(wrapper.ipam().c_str(), 0755) == 0);
    const PluginRun add = run_bridge("ADD", "other-1", c1.path(), conf, wrapper.cni_path(), kTrace);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(add.err.find("exec " + wrapper.ipam() + " (not this build)") != std::string::npos);
    CHECK(env.lease_count() == 1);
    const PluginRun check = run_bridge("CHECK", "other-1", c1.path(), with_prev(conf, add), wrapper.cni_path());
    CHECK_MESSAGE(check.exit_code == 0, check.out, check.err);
    const PluginRun gc = run_bridge("GC", "", "", gc_conf(conf, {}), wrapper.cni_path());  // other-1 is stale
    CHECK_MESSAGE(gc.exit_code == 0, gc.out, gc.err);
    CHECK(env.lease_count() == 0);
    const PluginRun del = run_bridge("DEL", "other-1", c1.path(), with_prev(conf, add), wrapper.cni_path());
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(read_file(log) == "ADD\nCHECK\nGC\nDEL\n");
    CHECK(env.host_veths().empty());
  }

  SUBCASE("a copy of nexus-ipam without this build's identity note") {
    IpamDir copy;
    const CommandResult strip = run_command({"objcopy", "--remove-section=.note.nexus.build-identity",
                                             nexus_plugin_dir() + "/nexus-ipam", copy.ipam()});
    REQUIRE_MESSAGE(strip.exit_code == 0, strip.err);
    const PluginRun add = run_bridge("ADD", "other-2", c1.path(), conf, copy.cni_path(), kTrace);
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(add.err.find("exec " + copy.ipam() + " (not this build)") != std::string::npos);
    const PluginRun del = run_bridge("DEL", "other-2", c1.path(), with_prev(conf, add), copy.cni_path(), kTrace);
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(del.err.find("exec " + copy.ipam() + " (not this build)") != std::string::npos);
    CHECK(env.lease_count() == 0);
  }
}

TEST_CASE("ipam in-process: an IPAM config error is the exec'd nexus-ipam's, and changes nothing" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c1, c2;
  json conf;
  unsigned code = 0;
  SUBCASE("a bad range") {
    conf = env.config(kNet, {{"ipam", {{"ranges", {{{{"subnet", kNet}, {"rangeStart", "10.70.0.5"}}}}}}}});
    code = 7;
  }
  SUBCASE("an exhausted range") {
    conf = env.config("10.69.0.0/30");  // .1 is the gateway: .2 is the only address
    env.add_ok("full-0", c2, conf);
    code = 11;  // "no free addresses in ..."
  }
  const HostState before = capture_host_state({env.data.path()});
  std::map<std::string, json> errors;
  for (const auto& [way, extra] : {std::pair{"in-process", kTrace}, std::pair{"exec", kForceExec}}) {
    const PluginRun add = run_bridge("ADD", "bad-1", c1.path(), conf, default_cni_path(), extra);
    CHECK_CNI_ERROR(add, code);
    errors[way] = add.json();
    CHECK_MESSAGE(describe_changes(before, capture_host_state({env.data.path()})).empty(),
                  way << ": " << describe_changes(before, capture_host_state({env.data.path()})));
  }
  CHECK(errors["in-process"] == errors["exec"]);
}
