// nexus node create --ip on the default network (nexus-bridge + nexus-ipam as shipped in conf/), isolated by
// LauncherWorld: the launcher hands the address to the plugins twice, as CNI_ARGS IP= and as the "ips"
// capability, and nexus-ipam must take the two for the one request they are.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus::launcher_test;

namespace {

// conf/10-nexus.conflist, the default network "nexus", with its leases in the world's temp dir.
void install_default_network(const LauncherWorld& w) {
  nlohmann::json conf = nlohmann::json::parse(std::ifstream(std::string(NEXUS_SOURCE_DIR) + "/conf/10-nexus.conflist"));
  conf["plugins"][0]["ipam"]["dataDir"] = w.path() + "/ipam";
  w.write_conflist("nexus", conf);
}

}  // namespace

TEST_CASE("node create --ip on the default network gets that address; delete releases it" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  install_default_network(w);
  const CommandResult created = w.nexus({"node", "create", "web", "--ip", "10.0.42.50"});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  CHECK(w.show("web")["cniResult"]["ips"][0]["address"] == "10.0.42.50/24");
  const CommandResult addr = w.nexus({"node", "exec", "web", "--", "ip", "-o", "-4", "addr", "show", "eth0"});
  CHECK(addr.out.find("10.0.42.50/24") != std::string::npos);
  CHECK(nexus::testutil::list_dir(w.path() + "/ipam/nexus").size() == 4);  // lock, last_reserved_ip.0, .nexus, lease
  CHECK(nexus::testutil::read_file(w.path() + "/ipam/nexus/10.0.42.50") == "web\r\neth0");
  const CommandResult deleted = w.nexus({"node", "delete", "web"});
  INFO(deleted.err);
  CHECK(deleted.exit_code == 0);
  CHECK(nexus::testutil::list_dir(w.path() + "/ipam/nexus").size() == 3);
  CHECK(w.veths().empty());
}
