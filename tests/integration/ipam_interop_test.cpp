// nexus-ipam beside the reference plugins: the reference bridge delegating to it, and one data dir shared with
// the reference host-local.
#include <doctest/doctest.h>

#include <filesystem>

#include <set>

#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/plugin_runner.h"
#include "tests/testutil/root.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

const std::string kNexusIpam = nexus_plugin_dir() + "/nexus-ipam";
const std::string kHostLocal = std::string(kReferencePluginDir) + "/host-local";
const std::string kRefBridge = std::string(kReferencePluginDir) + "/bridge";

json ipam_config(const std::string& type, const std::string& data_dir) {
  return {{"cniVersion", "1.0.0"},
          {"name", "shared"},
          {"type", type},  // called directly, the IPAM plugin is the config's plugin
          {"ipam", {{"type", type}, {"subnet", "10.44.0.0/24"}, {"dataDir", data_dir}}}};
}

std::string allocate(const std::string& plugin, const std::string& data_dir, const std::string& id) {
  const auto r = run_plugin(plugin, {.command = "ADD", .container_id = id, .netns = "/dev/null", .ifname = "eth0"},
                            ipam_config(plugin == kHostLocal ? "host-local" : "nexus-ipam", data_dir));
  REQUIRE_MESSAGE(r.exit_code == 0, plugin, r.out, r.err);
  return r.json()["ips"][0]["address"];
}

}  // namespace

TEST_CASE("interop: a data dir written by host-local is honoured, and both plugins can serve it") {
  TempDir dir;
  std::set<std::string> seen;
  const char* order[] = {"h", "h", "n", "h", "n", "n", "h"};
  int i = 0;
  for (const char* who : order) {
    const std::string plugin = std::string(who) == "h" ? kHostLocal : kNexusIpam;
    const std::string address = allocate(plugin, dir.path(), "c" + std::to_string(i++));
    CHECK_MESSAGE(seen.insert(address).second, "address handed out twice: " << address);
  }
  // nexus-ipam releases a lease host-local wrote, and host-local one nexus-ipam wrote.
  const PluginCall del0{.command = "DEL", .container_id = "c0", .ifname = "eth0"};
  CHECK(run_plugin(kNexusIpam, del0, ipam_config("nexus-ipam", dir.path())).exit_code == 0);
  CHECK(read_file(dir.path() + "/shared/10.44.0.2").empty());
  const PluginCall del2{.command = "DEL", .container_id = "c2", .ifname = "eth0"};
  CHECK(run_plugin(kHostLocal, del2, ipam_config("host-local", dir.path())).exit_code == 0);
  CHECK(read_file(dir.path() + "/shared/10.44.0.4").empty());
  // Leases of the remaining five are where both plugins expect them.
  int leases = 0;
  for (const auto& name : list_dir(dir.path() + "/shared")) leases += name.starts_with("10.44.0.");
  CHECK(leases == 5);
}

TEST_CASE("interop: the reference bridge delegating to nexus-ipam" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  ContainerNetns container;
  TempDir dir;
  json conf = json::parse(R"({"cniVersion":"1.0.0","name":"refnet","type":"bridge","bridge":"cni-ref0",
                              "isGateway":true,"ipam":{"type":"nexus-ipam","subnet":"10.45.0.0/24"}})");
  conf["ipam"]["dataDir"] = dir.path();
  const PluginCall add{.command = "ADD", .container_id = "ref1", .netns = container.path(), .ifname = "eth0"};
  const auto r = run_plugin(kRefBridge, add, conf);
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  const json result = r.json();
  CHECK(result["ips"][0]["address"] == "10.45.0.2/24");
  CHECK(read_file(dir.path() + "/refnet/10.45.0.2") == "ref1\r\neth0");

  CHECK(run_shell("ping -c1 -W2 10.45.0.2").exit_code == 0);
  CHECK(run_in_netns(container, "ping -c1 -W2 10.45.0.1").exit_code == 0);

  conf["prevResult"] = result;
  PluginCall check = add;
  check.command = "CHECK";
  const auto c = run_plugin(kRefBridge, check, conf);
  CHECK_MESSAGE(c.exit_code == 0, c.out, c.err);

  PluginCall del = add;
  del.command = "DEL";
  const auto d = run_plugin(kRefBridge, del, conf);
  CHECK_MESSAGE(d.exit_code == 0, d.out, d.err);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/refnet/10.45.0.2"));
  CHECK_FALSE(has_link_in(container, "eth0"));
  CHECK(link_names("type veth").empty());
}
