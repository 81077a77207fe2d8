// nexus is a generic CNI runtime: chained plugins, older config versions, single-plugin .conf files,
// concurrent invocations, and our own plugins when they are built.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus::launcher_test;
namespace fs = std::filesystem;

namespace {

void create_ping_check_delete(const LauncherWorld& w, const std::string& name) {
  CommandResult r = w.nexus({"node", "create", name, "--net", "ittest"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(w.nexus({"node", "exec", name, "--", "ping", "-c1", "-W2", kSubnet + ".1"}).exit_code == 0);
  CommandResult check = w.nexus({"node", "check", name});
  INFO(check.err);
  CHECK(check.exit_code == 0);
  CHECK(w.nexus({"node", "delete", name}).exit_code == 0);
  CHECK(w.leases().empty());
  CHECK(w.veths().empty());
}

}  // namespace

TEST_CASE("the reference bridge chained with the reference portmap" * doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  w.write_conflist("ittest", w.reference_plugins(true));
  create_ping_check_delete(w, "pm1");
}

TEST_CASE("a conflist at CNI 0.4.0 and a single-plugin .conf file" * doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  nlohmann::json conf = w.reference_plugins(false);
  conf["cniVersion"] = "0.4.0";
  w.write_conflist("ittest", conf);
  create_ping_check_delete(w, "old1");

  fs::remove(w.path() + "/conf/10-ittest.conflist");
  nlohmann::json single = conf["plugins"][0];
  single["cniVersion"] = "1.0.0";
  single["name"] = "ittest";
  std::ofstream(w.path() + "/conf/20-ittest.conf") << single.dump();
  create_ping_check_delete(w, "single1");
}

TEST_CASE("the cache is libcni's: cniCacheV1 with the config and result, readable by other tools" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  REQUIRE(w.nexus({"node", "create", "c1", "--net", "ittest", "--ip", kSubnet + ".9"}).exit_code == 0);
  auto cache = nlohmann::json::parse(nexus::testutil::read_file(w.path() + "/cache/results/ittest-c1-eth0"));
  CHECK(cache["kind"] == "cniCacheV1");
  CHECK(cache["containerId"] == "c1");
  CHECK(cache["ifName"] == "eth0");
  CHECK(cache["networkName"] == "ittest");
  CHECK(cache["cniArgs"] == nlohmann::json::array({{"IgnoreUnknown", "1"}, {"IP", kSubnet + ".9"}}));
  CHECK(cache["capabilityArgs"]["ips"][0] == kSubnet + ".9");
  CHECK(cache["result"]["ips"][0]["address"] == kSubnet + ".9/24");
  CHECK(cache["config"].is_string());
}

TEST_CASE("concurrent creates and deletes are safe" * doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  constexpr int kNodes = 8;
  std::vector<std::thread> threads;
  std::vector<int> codes(kNodes, -1);
  // New threads start in the creating thread's netns (the test's host netns), so their nexus processes do too.
  for (int i = 0; i < kNodes; ++i)
    threads.emplace_back([&, i] {
      codes[i] = w.nexus({"node", "create", "c" + std::to_string(i), "--net", "ittest"}).exit_code;
    });
  for (auto& t : threads) t.join();
  CHECK(codes == std::vector<int>(kNodes, 0));
  CHECK(w.leases().size() == kNodes);
  auto list = nlohmann::json::parse(w.nexus({"node", "list", "--json"}).out);
  CHECK(list.size() == kNodes);
  threads.clear();
  for (int i = 0; i < kNodes; ++i)
    threads.emplace_back([&, i] {
      codes[i] = w.nexus({"node", "delete", "c" + std::to_string(i)}).exit_code;
    });
  for (auto& t : threads) t.join();
  CHECK(codes == std::vector<int>(kNodes, 0));
  CHECK(w.leases().empty());
  CHECK(w.veths().empty());
}

TEST_CASE("nexus-bridge + nexus-ipam through the launcher" * doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  nlohmann::json conf = w.reference_plugins(false);
  conf["cniVersion"] = "1.1.0";
  conf["plugins"][0]["type"] = "nexus-bridge";
  conf["plugins"][0]["ipam"]["type"] = "nexus-ipam";
  w.write_conflist("ittest", conf);
  REQUIRE(w.nexus({"node", "create", "nb1", "--net", "ittest", "--mem", "64", "--cpu", "512"}).exit_code == 0);
  REQUIRE(w.nexus({"node", "create", "nb2", "--net", "ittest"}).exit_code == 0);
  CHECK(w.nexus({"node", "exec", "nb1", "--", "ping", "-c1", "-W2", "nb2"}).exit_code == 0);
  CHECK(w.nexus({"node", "check", "nb1"}).exit_code == 0);
  CHECK(w.nexus({"node", "delete", "nb1"}).exit_code == 0);
  CHECK(w.nexus({"gc"}).exit_code == 0);
  CHECK(w.leases().size() == 1);
}
