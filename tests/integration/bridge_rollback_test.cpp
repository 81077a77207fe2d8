// A failed ADD leaves nothing: no lease, no veth, no masquerade or macspoofchk element.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

bool nft_mentions(const std::string& needle) { return inspect("nft list ruleset").find(needle) != std::string::npos; }

/// What a failed ADD must not leave: a lease, a veth on the host, an eth0 in the container.
void check_nothing_left(const BridgeEnv& env, const ContainerNetns& c) {
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());
  CHECK_FALSE(has_link_in(c, "eth0"));
}

/// Where a rollback case's ADD fails: the test's host netns with its ipam dir, and the container.
struct RollbackCase {
  BridgeEnv env;
  ContainerNetns c;
};

}  // namespace

TEST_CASE_FIXTURE(RollbackCase, "bridge rollback: the IPAM plugin fails" * doctest::skip(skip_root_tests())) {
  SUBCASE("IPAM refuses the request") {
    const auto add = env.run("ADD", "c1", c.path(), env.config("10.62.0.0/24"), "IP=10.99.0.5");
    CHECK_CNI_ERROR(add, 7);  // nexus-ipam's code passes through
  }
  SUBCASE("IPAM plugin missing") {
    json conf = env.config("10.62.0.0/24");
    conf["ipam"]["type"] = "no-such-ipam";
    const auto add = env.run("ADD", "c1", c.path(), conf);
    CHECK_CNI_ERROR(add, 7);
    CHECK(add.json()["msg"].get<std::string>().find("no-such-ipam") != std::string::npos);
  }
  check_nothing_left(env, c);
}

TEST_CASE_FIXTURE(RollbackCase, "bridge rollback: a step after IPAM fails" * doctest::skip(skip_root_tests())) {
  SUBCASE("a route the container cannot install (gateway off-link), with ipMasq") {
    json conf = env.config("10.63.0.0/24", {{"ipMasq", true}});
    conf["ipam"]["routes"] = json::parse(R"([{"dst":"192.0.2.0/24","gw":"203.0.113.9"}])");
    const auto add = env.run("ADD", "c1", c.path(), conf);
    CHECK_CNI_ERROR(add, 999);
    CHECK_FALSE(nft_mentions("10.63.0.2"));
  }
  SUBCASE("a route the container cannot install, with macspoofchk (installed on the port just before)") {
    json conf = env.config("10.63.0.0/24", {{"macspoofchk", true}});
    conf["ipam"]["routes"] = json::parse(R"([{"dst":"192.0.2.0/24","gw":"203.0.113.9"}])");
    const auto add = env.run("ADD", "c1", c.path(), conf);
    CHECK_CNI_ERROR(add, 999);
    REQUIRE(nft_mentions("table bridge nexus"));  // the check was in place before the failing step
    CHECK(spoof_check_elements().empty());
  }
  SUBCASE("the bridge's name is taken by a link that is not a bridge (found while IPAM runs)") {
    REQUIRE(run_shell("ip link add nxbr0 type vxlan id 5 dstport 4789").exit_code == 0);
    const auto add = env.run("ADD", "c1", c.path(), env.config("10.63.0.0/24"));
    CHECK_CNI_ERROR(add, 7);
  }
  SUBCASE("the bridge carries another gateway and forceAddress is off") {
    REQUIRE(run_shell("ip link add nxbr0 type bridge && ip addr add 10.63.0.254/24 dev nxbr0").exit_code == 0);
    const auto add = env.run("ADD", "c1", c.path(), env.config("10.63.0.0/24"));
    CHECK_CNI_ERROR(add, 7);
    CHECK(add.json()["msg"].get<std::string>().find("10.63.0.254") != std::string::npos);
  }
  check_nothing_left(env, c);
}

TEST_CASE("bridge: forceAddress replaces a different gateway address" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  REQUIRE(run_shell("ip link add nxbr0 type bridge && ip addr add 10.64.0.254/24 dev nxbr0").exit_code == 0);
  const auto add = env.run("ADD", "c1", c.path(), env.config("10.64.0.0/24", {{"forceAddress", true}}));
  REQUIRE_MESSAGE(add.exit_code == 0, add.out);
  const std::string addrs = run_shell("ip -o addr show dev nxbr0").out;
  CHECK(addrs.find("10.64.0.1/24") != std::string::npos);
  CHECK(addrs.find("10.64.0.254") == std::string::npos);
}
