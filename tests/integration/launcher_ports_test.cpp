// nexus node create -p: the mappings reach the network's plugins as the portMappings capability (here the
// reference portmap chained after the reference bridge), node list and show print them, and bad -p values or a
// network that cannot publish are refused before anything is created.
#include <doctest/doctest.h>
#include <fcntl.h>

#include <filesystem>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus::launcher_test;
using nexus::UniqueFd;
namespace fs = std::filesystem;

TEST_CASE("launcher: -p publishes a host port to the node through the network's portmap plugin" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  w.write_conflist("ittest", w.reference_plugins(true));
  const CommandResult created = w.nexus({"node", "create", "web", "--net", "ittest", "-p", "18080:80", "-p",
                                         "127.0.0.1:15353:53/udp"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  {
    const UniqueFd netns(::open((w.netns_dir() + "/web").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(netns);
    nexus::testutil::TcpListener server(netns.get(), "0.0.0.0", 80);
    REQUIRE(server.ready());
    CHECK(nexus::testutil::tcp_exchange(-1, kSubnet + ".1", 18080) == "nexus-ok");  // the host's address
  }
  const auto shown = w.show("web");
  CHECK(shown["ports"] == nlohmann::json::parse(R"([{"hostPort":18080,"containerPort":80,"protocol":"tcp"},
      {"hostPort":15353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}])"));
  const CommandResult list = w.nexus({"node", "list"});
  CHECK(list.out.find("18080->80/tcp, 127.0.0.1:15353->53/udp") != std::string::npos);
  const auto listed = nlohmann::json::parse(w.nexus({"node", "list", "--json"}).out);
  CHECK(listed[0]["ports"] == shown["ports"]);
  CHECK(w.nexus({"node", "delete", "web"}).exit_code == 0);
  const CommandResult after = nexus::testutil::run_command({"iptables-save", "-t", "nat"});
  REQUIRE(after.exit_code == 0);
  CHECK(after.out.find("18080") == std::string::npos);  // portmap's DEL removed the forward
}

TEST_CASE("launcher: bad -p values, and -p on a network that cannot publish, are refused before anything is made" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;  // its default conflist has no portmap
  struct Case {
    std::vector<std::string> publish;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"8080"}, "invalid -p '8080': give both the host port and the node's port"},
      {{"0:80"}, "invalid -p '0:80': '0' is not a port (1-65535)"},
      {{"8080:70000"}, "invalid -p '8080:70000': '70000' is not a port (1-65535)"},
      {{"8080:80/icmp"}, "invalid -p '8080:80/icmp': protocol 'icmp' is not tcp, udp or sctp"},
      {{"300.1.1.1:8080:80"}, "invalid -p '300.1.1.1:8080:80': '300.1.1.1' is not an IP address"},
      {{"8080:80", "8080:81"}, "invalid -p '8080:81': host port 8080/tcp is already published above"},
      {{"8080:80"}, "network ittest ("},  // the network has no plugin with the portMappings capability
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"node", "create", "bad", "--net", "ittest"};
    for (const std::string& p : c.publish) args.insert(args.end(), {"-p", p});
    const CommandResult r = w.nexus(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("nexus: error: " + c.error, 0) == 0);
    CHECK_FALSE(fs::exists(w.state_dir() + "/nodes/bad"));
    CHECK(w.leases().empty());
  }
  // The same mapping on another address, and the same port for another protocol, are distinct.
  w.write_conflist("ittest", w.reference_plugins(true));
  const CommandResult ok = w.nexus({"node", "create", "two", "--net", "ittest", "-p", "127.0.0.1:18081:80", "-p",
                                    "18081:80/udp", "-p", "[::1]:18082:80"});
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);
  CHECK(w.show("two")["ports"][2]["hostIP"] == "::1");
}

TEST_CASE("launcher: -p on a nexus-bridge network publishes the port without any other plugin" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  // The default network's layout (conf/10-nexus.conflist): nexus-bridge declares portMappings itself.
  const nlohmann::json bridge = {
      {"type", "nexus-bridge"}, {"bridge", "nxit0"}, {"isDefaultGateway", true}, {"ipMasq", true},
      {"hairpinMode", true}, {"capabilities", {{"ips", true}, {"portMappings", true}}},
      {"ipam", {{"type", "nexus-ipam"}, {"dataDir", w.path() + "/ipam"},
                {"ranges", {{{{"subnet", kSubnet + ".0/24"}}}}}}}};
  w.write_conflist("ittest", {{"cniVersion", "1.0.0"}, {"name", "ittest"}, {"plugins", {bridge}}});
  const CommandResult created = w.nexus({"node", "create", "web", "--net", "ittest", "-p", "18081:80"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  {
    const UniqueFd netns(::open((w.netns_dir() + "/web").c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(netns);
    for (const std::string& host : {kSubnet + ".1", std::string("127.0.0.1")}) {
      CAPTURE(host);
      nexus::testutil::TcpListener server(netns.get(), "0.0.0.0", 80);
      REQUIRE(server.ready());
      CHECK(nexus::testutil::tcp_exchange(-1, host, 18081) == "nexus-ok");
    }
  }
  const std::string published = nexus::testutil::run_command({"nft", "list", "map", "inet", "nexus", "port_dnat_v4"}).out;
  CHECK(published.find("tcp . 18081 comment") != std::string::npos);
  CHECK(w.nexus({"node", "delete", "web"}).exit_code == 0);
  // node delete's DEL removed it, and with the host's last attachment Nexus's table went too (issue 12).
  const CommandResult after = nexus::testutil::run_command({"nft", "list", "tables"});
  REQUIRE(after.exit_code == 0);
  CHECK(after.out.find("table inet nexus") == std::string::npos);
}
