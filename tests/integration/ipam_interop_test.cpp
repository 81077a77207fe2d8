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

TEST_CASE("interop: runtimeConfig.ipRanges come first, then the configured ranges, as host-local allocates them") {
  // The same config to both plugins, each with its own data dir: the runtime's set, the legacy single range and
  // a "ranges" set give three addresses, in the order host-local puts them.
  const auto allocate_with_runtime_ranges = [](const std::string& plugin, const std::string& type) {
    TempDir dir;
    json conf = {{"cniVersion", "1.0.0"},
                 {"name", "rtranges"},
                 {"type", type},
                 {"ipam",
                  {{"type", type},
                   {"dataDir", dir.path()},
                   {"subnet", "10.46.1.0/24"},
                   {"ranges", json::parse(R"([[{"subnet":"10.46.2.0/24","rangeStart":"10.46.2.10"}]])")}}},
                 {"runtimeConfig",
                  {{"ipRanges", json::parse(R"([[{"subnet":"10.46.3.0/24","gateway":"10.46.3.9"}]])")}}}};
    const PluginCall add{.command = "ADD", .container_id = "rt1", .netns = "/dev/null", .ifname = "eth0"};
    const auto r = run_plugin(plugin, add, conf);
    REQUIRE_MESSAGE(r.exit_code == 0, plugin, r.out, r.err);
    const json result = r.json();  // kept: a range-for over r.json()["ips"] would outlive the temporary
    std::string ips;               // "address via gateway; ..."
    for (const auto& ip : result["ips"])
      ips += ip["address"].get<std::string>() + " via " + ip.value("gateway", "-") + "; ";
    return ips;
  };
  const auto reference = allocate_with_runtime_ranges(kHostLocal, "host-local");
  const std::string expected = "10.46.3.1/24 via 10.46.3.9; 10.46.1.2/24 via 10.46.1.1; 10.46.2.10/24 via 10.46.2.1; ";
  CHECK(reference == expected);  // what this test assumes of host-local: if it changes, so must nexus-ipam
  CHECK(allocate_with_runtime_ranges(kNexusIpam, "nexus-ipam") == reference);
}
