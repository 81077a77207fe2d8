// nexus-ipam driven exactly as a runtime drives it: environment + stdin, then the JSON printed and the files left.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/testutil/cni_error.h"
#include "tests/testutil/plugin_runner.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

const std::string kIpam = nexus_plugin_dir() + "/nexus-ipam";

json config(const std::string& data_dir, json ipam = json::object(), const std::string& version = "1.0.0") {
  ipam["type"] = "nexus-ipam";
  ipam["dataDir"] = data_dir;
  return {{"cniVersion", version}, {"name", "testnet"}, {"type", "nexus-bridge"}, {"ipam", ipam}};
}

PluginCall call(const std::string& command, const std::string& id, const std::string& ifname = "eth0") {
  return {.command = command, .container_id = id, .netns = "/run/netns/unused", .ifname = ifname};
}

PluginRun add(const json& conf, const std::string& id, const std::string& args = "") {
  PluginCall c = call("ADD", id);
  c.args = args;
  return run_plugin(kIpam, c, conf);
}

std::string address_of(const PluginRun& r) {
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  return r.json()["ips"][0]["address"];
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("nexus-ipam: with only a type it serves 10.0.42.0/24 and writes host-local's layout") {
  TempDir dir;
  const auto r = add(config(dir.path()), "c1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  const json j = r.json();
  CHECK(j["cniVersion"] == "1.0.0");
  CHECK(j["ips"] == json::parse(R"([{"address":"10.0.42.2/24","gateway":"10.0.42.1"}])"));
  CHECK(j["routes"] == json::parse(R"([{"dst":"0.0.0.0/0"}])"));
  CHECK_FALSE(j.contains("interfaces"));
  const std::string net = dir.path() + "/testnet";
  CHECK(read_file(net + "/10.0.42.2") == "c1\r\neth0");
  CHECK(read_file(net + "/last_reserved_ip.0") == "10.0.42.2");
  CHECK(mode_of(net) == 0700);
  CHECK(mode_of(net + "/10.0.42.2") == 0600);
}

TEST_CASE("nexus-ipam: round robin, idempotent ADD, DEL releases, DEL repeats") {
  TempDir dir;
  const json conf = config(dir.path());
  CHECK(address_of(add(conf, "c1")) == "10.0.42.2/24");
  CHECK(address_of(add(conf, "c2")) == "10.0.42.3/24");
  CHECK(address_of(add(conf, "c1")) == "10.0.42.2/24");  // same attachment: same lease, not a second one
  for (int i = 0; i < 2; ++i) {
    const auto d = run_plugin(kIpam, call("DEL", "c1"), conf);
    CHECK_MESSAGE(d.exit_code == 0, d.out);
    CHECK(d.out.empty());
  }
  // DEL removed c1's lease file, and only it.
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/testnet/10.0.42.2"));
  CHECK(read_file(dir.path() + "/testnet/10.0.42.3") == "c2\r\neth0");
  CHECK(address_of(add(conf, "c3")) == "10.0.42.4/24");  // round robin continues after the last reserved
}

TEST_CASE("nexus-ipam: after DEL, grep -r for the container's ID finds nothing in the data dir") {
  TempDir dir;
  const json conf = config(dir.path());
  address_of(add(conf, "web-4c1d9e"));
  address_of(add(conf, "db-77aa02"));
  const std::string grep = "grep -rl web-4c1d9e " + dir.path();
  CHECK(run_shell(grep).out != "");
  REQUIRE(run_plugin(kIpam, call("DEL", "web-4c1d9e"), conf).exit_code == 0);
  const CommandResult found = run_shell(grep);
  CHECK_MESSAGE(found.out == "", found.out);
  CHECK(run_shell("grep -rl db-77aa02 " + dir.path()).out == dir.path() + "/testnet/10.0.42.3\n");
}

TEST_CASE("nexus-ipam: DEL succeeds when the data dir does not exist, and creates nothing") {
  TempDir dir;
  const auto d = run_plugin(kIpam, call("DEL", "c1"), config(dir.path() + "/missing"));
  CHECK(d.exit_code == 0);
  CHECK(list_dir(dir.path()).empty());
}

TEST_CASE("nexus-ipam: results in every supported version") {
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    CAPTURE(v);
    TempDir dir;
    const auto r = add(config(dir.path(), json::object(), v), "c1");
    REQUIRE(r.exit_code == 0);
    CHECK(r.json()["cniVersion"] == v);
    CHECK(r.json()["ips"][0].contains("version") == std::string(v).starts_with("0."));
  }
}

TEST_CASE("nexus-ipam: dual stack, ranges, routes, dns") {
  TempDir dir;
  const json ipam = json::parse(R"({
    "ranges": [[{"subnet":"10.9.0.0/24","rangeStart":"10.9.0.10","rangeEnd":"10.9.0.20"}],
               [{"subnet":"fd00:9::/64"}]],
    "routes": [{"dst":"0.0.0.0/0"},{"dst":"::/0"},{"dst":"192.168.0.0/16","gw":"10.9.0.254"}],
    "dns": {"nameservers":["10.9.0.1"],"search":["example.test"]}})");
  const auto r = add(config(dir.path(), ipam), "c1");
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  const json j = r.json();
  CHECK(j["ips"][0] == json::parse(R"({"address":"10.9.0.10/24","gateway":"10.9.0.1"})"));
  CHECK(j["ips"][1] == json::parse(R"({"address":"fd00:9::2/64","gateway":"fd00:9::1"})"));
  CHECK(j["routes"].size() == 3);
  CHECK(j["dns"]["nameservers"] == json{"10.9.0.1"});
  CHECK(read_file(dir.path() + "/testnet/fd00:9::2") == "c1\r\neth0");
}

TEST_CASE("nexus-ipam: static addresses through CNI_ARGS, args and runtimeConfig") {
  TempDir dir;
  json conf = config(dir.path());
  CHECK(address_of(add(conf, "c1", "IP=10.0.42.50")) == "10.0.42.50/24");
  conf["args"] = {{"cni", {{"ips", {"10.0.42.51"}}}}};
  CHECK(address_of(add(conf, "c2")) == "10.0.42.51/24");
  conf.erase("args");
  conf["runtimeConfig"] = {{"ips", {"10.0.42.52/24"}}};
  CHECK(address_of(add(conf, "c3")) == "10.0.42.52/24");
  conf.erase("runtimeConfig");
  SUBCASE("taken, gateway, outside the range: refused, nothing written") {
    for (const char* ip : {"IP=10.0.42.50", "IP=10.0.42.1", "IP=10.0.43.5", "IP=banana"}) {
      CAPTURE(ip);
      const auto before = list_dir(dir.path() + "/testnet");
      const auto r = add(conf, "c9", ip);
      CHECK_CNI_ERROR(r, 7);
      CHECK(list_dir(dir.path() + "/testnet") == before);
    }
  }
}

TEST_CASE("nexus-ipam: one address asked for through CNI_ARGS, args and runtimeConfig is one request") {
  TempDir dir;
  json conf = config(dir.path());
  // What the nexus launcher (and podman) send for a static address: CNI_ARGS IP= and the "ips" capability.
  conf["runtimeConfig"] = {{"ips", {"10.0.42.50/24"}}};
  conf["args"] = {{"cni", {{"ips", {"10.0.42.50"}}}}};
  const std::string args = "IgnoreUnknown=1;IP=10.0.42.50";
  CHECK(address_of(add(conf, "web", args)) == "10.0.42.50/24");
  CHECK(address_of(add(conf, "web", args)) == "10.0.42.50/24");  // idempotent too
  CHECK(list_dir(dir.path() + "/testnet").size() == 4);          // lock, last_reserved_ip.0, .nexus, one lease
  PluginCall del = call("DEL", "web");
  del.args = args;
  const auto d = run_plugin(kIpam, del, conf);
  CHECK_MESSAGE(d.exit_code == 0, d.out);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/testnet/10.0.42.50"));
  SUBCASE("two different addresses for one range set are still refused") {
    const auto r = add(conf, "web", "IgnoreUnknown=1;IP=10.0.42.51");
    CHECK(r.exit_code == 1);
    CHECK(r.error_code() == 7);
    CHECK(r.json()["msg"].get<std::string>().find("more than one requested IP") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() + "/testnet/10.0.42.51"));
  }
}

TEST_CASE("nexus-ipam: runtimeConfig.ipRanges replaces the configured ranges") {
  TempDir dir;
  json conf = config(dir.path());
  conf["runtimeConfig"] = {{"ipRanges", json::parse(R"([[{"subnet":"10.77.0.0/24"}]])")}};
  CHECK(address_of(add(conf, "c1")) == "10.77.0.2/24");
}

TEST_CASE("nexus-ipam: CHECK passes for the ADD's result and fails once released") {
  TempDir dir;
  json conf = config(dir.path());
  const auto r = add(conf, "c1");
  REQUIRE(r.exit_code == 0);
  conf["prevResult"] = r.json();
  CHECK(run_plugin(kIpam, call("CHECK", "c1"), conf).exit_code == 0);
  CHECK_CNI_ERROR(run_plugin(kIpam, call("CHECK", "c2"), conf), 999);  // not this attachment's address
  REQUIRE(run_plugin(kIpam, call("DEL", "c1"), conf).exit_code == 0);
  for (const auto& name : list_dir(dir.path() + "/testnet")) CHECK_MESSAGE(name != "10.0.42.2", "DEL left the lease");
  const auto c = run_plugin(kIpam, call("CHECK", "c1"), conf);
  CHECK_CNI_ERROR(c, 999);
  CHECK(c.json()["msg"].get<std::string>().find("10.0.42.2") != std::string::npos);
}

TEST_CASE("nexus-ipam: GC releases what is not in cni.dev/valid-attachments") {
  TempDir dir;
  json conf = config(dir.path(), json::object(), "1.1.0");
  for (const char* id : {"keep", "drop1", "drop2"}) REQUIRE(add(conf, id).exit_code == 0);
  conf["cni.dev/valid-attachments"] = json::parse(R"([{"containerID":"keep","ifname":"eth0"}])");
  const auto g = run_plugin(kIpam, {.command = "GC"}, conf);
  CHECK_MESSAGE(g.exit_code == 0, g.out);
  CHECK(read_file(dir.path() + "/testnet/10.0.42.2") == "keep\r\neth0");
  CHECK(read_file(dir.path() + "/testnet/10.0.42.3").empty());
  CHECK(read_file(dir.path() + "/testnet/10.0.42.4").empty());
  conf.erase("cni.dev/valid-attachments");
  CHECK_CNI_ERROR(run_plugin(kIpam, {.command = "GC"}, conf), 7);  // no list: refuse, do not wipe
  CHECK(read_file(dir.path() + "/testnet/10.0.42.2") == "keep\r\neth0");
}

TEST_CASE("nexus-ipam: STATUS is ready until the range is exhausted, then code 50") {
  TempDir dir;
  const json conf = config(dir.path(), json::parse(R"({"ranges":[[{"subnet":"10.5.0.0/29"}]]})"), "1.1.0");
  CHECK(run_plugin(kIpam, {.command = "STATUS"}, conf).exit_code == 0);
  for (int i = 0; i < 5; ++i) REQUIRE(add(conf, "c" + std::to_string(i)).exit_code == 0);  // .2 to .6
  const auto full = add(conf, "c9");
  CHECK_CNI_ERROR(full, 11);  // try again later: a DEL may free one
  CHECK(full.json()["msg"].get<std::string>().find("10.5.0.1-10.5.0.6") != std::string::npos);
  const auto s = run_plugin(kIpam, {.command = "STATUS"}, conf);
  CHECK_CNI_ERROR(s, 50);
}

// Bad input (environment, JSON, ranges, dataDir, names): see bad_input_matrix_test.cpp.
