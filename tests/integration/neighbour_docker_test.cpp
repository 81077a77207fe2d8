// Issue 12, "Other firewalls on the same host": Docker's daemon (Debian docker.io 20.10) next door sets the
// FORWARD policy of iptables' filter table to DROP. Nexus's containers still reach the outside (masqueraded)
// because nexus-bridge passes them through Docker's user chain DOCKER-USER (shared/neighbours/docker_user_chain.h);
// Docker's containers keep working; iptables-nft reads every rule; the last DEL leaves the filter table as it
// was before Nexus came; `nexus firewall-reload` puts lost rules back. A private dockerd runs in the test's host
// netns (tests/testutil/private_dockerd.h); containers are attached as a libcni runtime does.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "shared/base/error.h"
#include "shared/neighbours/docker_user_chain.h"
#include "shared/runtime/cni_runtime.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/command.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/private_dockerd.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus;
using namespace nexus::testutil;

namespace {

const std::string kNexus = std::string(NEXUS_BUILD_DIR) + "/nexus";
constexpr const char* kOutside = "198.51.100.1";

// An iptables-nft listing, which must come without a word of complaint (a rule it cannot read makes it print
// "incompatible" or a warning).
std::string iptables(const std::string& args) {
  const CommandResult r = run_shell("iptables-nft " + args);
  REQUIRE_MESSAGE(r.exit_code == 0, "iptables-nft ", args, ": ", r.err);
  for (const char* complaint : {"incompatible", "Warning", "warning"}) {
    CHECK_MESSAGE(r.out.find(complaint) == std::string::npos, "iptables-nft ", args, ":\n", r.out);
    CHECK_MESSAGE(r.err.find(complaint) == std::string::npos, "iptables-nft ", args, ":\n", r.err);
  }
  return r.out;
}

// The filter table as iptables-nft-save prints it, without its dated comment lines and counters.
std::string filter_table() {
  const CommandResult r = run_shell("iptables-nft-save -t filter");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(r.err.empty(), r.err);
  const std::string no_comments = std::regex_replace(r.out, std::regex("^#[^\n]*\n", std::regex::multiline), "");
  return std::regex_replace(no_comments, std::regex(R"( \[[0-9]+:[0-9]+\])"), "");
}

// The source address a TCP connection from `c` to the outside shows there ("" if none came).
std::string seen_from(const TestNetns& c, const TestNetns& outside, int port) {
  TcpListener server(outside.fd(), kOutside, port, 3000);
  REQUIRE(server.ready());
  tcp_exchange(c.fd(), kOutside, port, 3000);
  return server.peer();
}

const std::string kFromRule =
    "-A DOCKER-USER -i nxbr0 -m comment --comment \"nexus: from bridge nxbr0\" -j ACCEPT\n";
const std::string kEstablishedRule =
    "-A DOCKER-USER -o nxbr0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "
    "\"nexus: established to bridge nxbr0\" -j ACCEPT\n";

struct DockerWorld {
  BridgeEnv env;
  TestNetns outside;
  ContainerNetns a, b;
  TempDir cache, state;
  runtime::NetworkConfigList list = runtime::parse_conflist(
      env.config("10.75.0.0/24", {{"ipMasq", true}, {"isDefaultGateway", true}}).dump(), "test");
  runtime::CniRuntime cni{{nexus_plugin_dir()}, cache.path()};

  DockerWorld() { connect_outside(outside); }

  static runtime::RuntimeConf rt(const std::string& id, const ContainerNetns& ns) {
    runtime::RuntimeConf conf;
    conf.container_id = id;
    conf.netns = ns.path();
    return conf;
  }
};

void docker_container_reaches_outside(const PrivateDockerd& docker) {
  const CommandResult r = docker.docker({"run", "--rm", "nexus-busybox:test", "ping", "-c1", "-W3", kOutside});
  CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
}

}  // namespace

TEST_CASE_FIXTURE(DockerWorld, "neighbour Docker: with dockerd's FORWARD policy DROP, Nexus nodes reach the outside "
                               "masqueraded through DOCKER-USER, Docker's containers keep working, iptables-nft "
                               "reads every rule, and the last DEL leaves the filter table as it was" *
                                   doctest::skip(skip_root_tests())) {
  PrivateDockerd docker(env.host);
  docker.import_busybox();
  REQUIRE_MESSAGE(iptables("-S FORWARD").find("-P FORWARD DROP\n") == 0, iptables("-S FORWARD"));  // Docker is here
  docker_container_reaches_outside(docker);
  const std::string before = filter_table();
  REQUIRE(before.find(":DOCKER-USER") != std::string::npos);

  cni.add(list, rt("a", a));
  cni.add(list, rt("b", b));
  CHECK(run_in_netns(a, std::string("ping -c1 -W2 ") + kOutside).exit_code == 0);
  CHECK(seen_from(a, outside, 9320) == "198.51.100.254");  // masqueraded
  CHECK(seen_from(b, outside, 9321) == "198.51.100.254");
  CHECK(run_in_netns(a, "ping -c1 -W2 10.75.0.3").exit_code == 0);  // node to node on the bridge
  const std::string user_chain = iptables("-S DOCKER-USER");
  CHECK_MESSAGE(user_chain == "-N DOCKER-USER\n" + kFromRule + kEstablishedRule + "-A DOCKER-USER -j RETURN\n",
                user_chain);
  iptables("-S");
  const std::string saved = filter_table();
  CHECK(saved.find(kFromRule) != std::string::npos);
  docker_container_reaches_outside(docker);

  SUBCASE("the last DEL removes the rules; the first DEL does not") {
    cni.del(list, rt("a", a));
    CHECK(filter_table() == saved);  // b is still on the bridge
    CHECK(seen_from(b, outside, 9322) == "198.51.100.254");
    cni.del(list, rt("b", b));
    CHECK(filter_table() == before);
    docker_container_reaches_outside(docker);
    // The next ADD, into the bridge that stayed, puts them back.
    cni.add(list, rt("a", a));
    CHECK(filter_table() == saved);
    CHECK(seen_from(a, outside, 9323) == "198.51.100.254");
    cni.del(list, rt("a", a));
    CHECK(filter_table() == before);
  }

  SUBCASE("firewall-reload puts back rules a flush of DOCKER-USER took; a dockerd restart keeps them") {
    REQUIRE(run_shell("iptables-nft -F DOCKER-USER && iptables-nft -A DOCKER-USER -j RETURN").exit_code == 0);
    CHECK(seen_from(a, outside, 9324) == "");
    try {
      cni.check(list, rt("a", a));
      FAIL("CHECK passed without the DOCKER-USER rules");
    } catch (const Error& e) {
      CHECK_MESSAGE(std::string(e.what()).find("forwarding of bridge nxbr0 in network testnet: rule \"nexus: from "
                                               "bridge nxbr0\" is missing from ip filter DOCKER-USER") !=
                        std::string::npos, e.what());
    }
    const CommandResult r =
        run_command({kNexus, "firewall-reload", "--cache-dir", cache.path(), "--state-dir", state.path()});
    CHECK_MESSAGE(r.exit_code == 0, r.out, r.err);
    CHECK_MESSAGE(r.out.find("restored a/eth0 (network testnet): the rules passing nxbr0 in iptables chain "
                             "DOCKER-USER\n") != std::string::npos, r.out);
    CHECK_MESSAGE(r.out.find("intact b/eth0 (network testnet): nothing lost\n") != std::string::npos, r.out);
    CHECK(filter_table() == saved);
    CHECK(seen_from(a, outside, 9325) == "198.51.100.254");
    cni.check(list, rt("a", a));  // throws when something is missing

    docker.restart();
    CHECK(iptables("-S DOCKER-USER").find(kFromRule) != std::string::npos);
    CHECK(seen_from(b, outside, 9326) == "198.51.100.254");
    docker_container_reaches_outside(docker);
    cni.del(list, rt("a", a));
    cni.del(list, rt("b", b));
    CHECK(iptables("-S DOCKER-USER") == "-N DOCKER-USER\n-A DOCKER-USER -j RETURN\n");
  }
}

TEST_CASE("neighbour Docker: the rules go into every DOCKER-USER chain there is (ip6 too), once; release removes "
          "only ours, and only with the bridge's last port" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  // Docker's chains as iptables-nft makes them, with rules of others: one without a comment, one whose comment
  // names another bridge.
  for (const char* tool : {"iptables-nft", "ip6tables-nft"})
    REQUIRE(run_shell(std::string(tool) + " -N DOCKER-USER && " + tool + " -A DOCKER-USER -i nxbr0 -j ACCEPT && " +
                      tool + " -A DOCKER-USER -i nxbr1 -m comment --comment \"nexus: from bridge nxbr1\" " +
                      "-j ACCEPT && " +
                      tool + " -A DOCKER-USER -j RETURN")
                .exit_code == 0);
  const std::string before_v4 = iptables("-S DOCKER-USER");
  const CommandResult before_v6 = run_shell("ip6tables-nft -S DOCKER-USER");
  REQUIRE(run_shell("ip link add nxbr0 type bridge && ip link add p0 type veth peer name p0b && "
                    "ip link set p0 master nxbr0").exit_code == 0);
  CHECK(neighbours::find_docker_user_gap("nxbr0") ==
        "rule \"nexus: from bridge nxbr0\" is missing from ip filter DOCKER-USER");

  CHECK(neighbours::pass_docker_user_chains("nxbr0"));
  CHECK_FALSE(neighbours::pass_docker_user_chains("nxbr0"));  // all there: nothing added
  CHECK(neighbours::find_docker_user_gap("nxbr0") == "");
  CHECK(iptables("-S DOCKER-USER") == "-N DOCKER-USER\n" + kFromRule + kEstablishedRule + before_v4.substr(15));
  const CommandResult v6 = run_shell("ip6tables-nft -S DOCKER-USER");
  CHECK_MESSAGE(v6.out == "-N DOCKER-USER\n" + kFromRule + kEstablishedRule + before_v6.out.substr(15), v6.out);
  CHECK(v6.err.empty());

  neighbours::release_docker_user_chains("nxbr0", "nxbr0");  // p0 is still a port
  CHECK(neighbours::find_docker_user_gap("nxbr0") == "");
  neighbours::release_docker_user_chains("nxbr0", "nxbr0", /*leaving_port=*/0);
  REQUIRE(run_shell("ip link del p0").exit_code == 0);
  neighbours::release_docker_user_chains("nxbr0", "nxbr0");
  CHECK(iptables("-S DOCKER-USER") == before_v4);  // the others' rules, as they were
  CHECK(run_shell("ip6tables-nft -S DOCKER-USER").out == before_v6.out);
  neighbours::release_docker_user_chains("nxbr0", "nxbr0");  // nothing of ours: nothing happens
  CHECK(iptables("-S DOCKER-USER") == before_v4);
}

TEST_CASE("neighbour Docker: without a DOCKER-USER chain nothing is added" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  REQUIRE(run_shell("iptables-nft -N OTHER").exit_code == 0);  // a filter table, but no Docker
  const std::string before = filter_table();
  CHECK_FALSE(neighbours::pass_docker_user_chains("nxbr0"));
  CHECK(neighbours::find_docker_user_gap("nxbr0") == "");
  CHECK(filter_table() == before);
}

TEST_CASE("neighbour Docker: an ADD that fails after putting its rules into DOCKER-USER takes them out again" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c1, c2;
  REQUIRE(run_shell("iptables-nft -N DOCKER-USER && iptables-nft -A DOCKER-USER -j RETURN").exit_code == 0);
  const std::string before = iptables("-S DOCKER-USER");
  nlohmann::json conf = env.config("10.76.0.0/24", {{"ipMasq", true}});
  conf["ipam"]["routes"] = nlohmann::json::parse(R"([{"dst":"192.0.2.0/24","gw":"203.0.113.9"}])");  // off-link
  const auto failed = env.run("ADD", "c1", c1.path(), conf);
  CHECK_MESSAGE(failed.exit_code != 0, failed.out);
  CHECK(iptables("-S DOCKER-USER") == before);
  env.add_ok("c2", c2, env.config("10.76.0.0/24", {{"ipMasq", true}}));
  CHECK(iptables("-S DOCKER-USER") == "-N DOCKER-USER\n" + kFromRule + kEstablishedRule + "-A DOCKER-USER -j RETURN\n");
}
