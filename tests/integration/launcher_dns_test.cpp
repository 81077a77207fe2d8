// A node's /etc/resolv.conf on hosts of both kinds: one whose /etc/resolv.conf names a reachable server, and one
// where systemd-resolved left only its stub 127.0.0.53 there (Ubuntu, Fedora), faked with --resolv-conf and
// --resolved-conf files.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus::launcher_test;

namespace {

std::string node_resolv_conf(const LauncherWorld& w, const std::string& node) {
  const CommandResult r = w.nexus({"node", "exec", node, "--", "cat", "/etc/resolv.conf"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

}  // namespace

TEST_CASE("launcher: on a systemd-resolved host a node gets the upstream nameservers, not the unreachable stub" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  const std::string stub = w.path() + "/stub-resolv.conf", upstream = w.path() + "/upstream-resolv.conf";
  std::ofstream(stub) << "# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n"
                         "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n";
  std::ofstream(upstream) << "# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\n"
                             "nameserver 192.0.2.53\nnameserver 2001:db8::53\n";
  const std::vector<std::string> resolved_host = {"NEXUS_RESOLV_CONF=" + stub, "NEXUS_RESOLVED_CONF=" + upstream};
  const CommandResult created = w.nexus({"node", "create", "dns1", "--net", "ittest"}, "", resolved_host);
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  const std::string conf = node_resolv_conf(w, "dns1");
  CAPTURE(conf);
  CHECK(conf.find("nameserver 192.0.2.53\n") != std::string::npos);
  CHECK(conf.find("nameserver 2001:db8::53\n") != std::string::npos);
  CHECK(conf.find("127.0.0.53") == std::string::npos);

  // A host whose resolv.conf names a reachable server: that one, whatever systemd-resolved's file says.
  const std::string plain = w.path() + "/plain-resolv.conf";
  std::ofstream(plain) << "nameserver 198.51.100.1\n";
  const CommandResult second = w.nexus({"node", "create", "dns2", "--net", "ittest"}, "",
                                       {"NEXUS_RESOLV_CONF=" + plain, "NEXUS_RESOLVED_CONF=" + upstream});
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  const std::string plain_conf = node_resolv_conf(w, "dns2");
  CHECK(plain_conf.find("nameserver 198.51.100.1\n") != std::string::npos);
  CHECK(plain_conf.find("192.0.2.53") == std::string::npos);
}
