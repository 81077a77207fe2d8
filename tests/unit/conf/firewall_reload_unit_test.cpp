// conf/nexus-firewall-reload.service (issue 12): systemd-analyze verify accepts it (every key known, every
// value valid), and it runs `nexus firewall-reload` after the firewalls start, again when they restart or reload.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/testutil/command.h"
#include "tests/testutil/host_skip.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::testutil;

namespace {

const std::string kUnit = std::string(NEXUS_SOURCE_DIR) + "/conf/nexus-firewall-reload.service";

}  // namespace

TEST_CASE("nexus-firewall-reload.service: runs the reload after nftables and firewalld start, restart and reload") {
  const std::string unit = read_file(kUnit);
  for (const char* line : {"After=nftables.service firewalld.service\n", "PartOf=nftables.service firewalld.service\n",
                           "ReloadPropagatedFrom=nftables.service firewalld.service\n", "Type=oneshot\n",
                           "RemainAfterExit=yes\n", "ExecStart=/usr/bin/env nexus firewall-reload\n",
                           "ExecReload=/usr/bin/env nexus firewall-reload\n",
                           "WantedBy=nftables.service firewalld.service\n"})
    CHECK_MESSAGE(unit.find(std::string("\n") + line) != std::string::npos, "missing line: " << std::string(line));
}

TEST_CASE("nexus-firewall-reload.service: systemd-analyze verify finds nothing to say") {
  if (!std::filesystem::exists("/usr/bin/systemd-analyze")) NEXUS_SKIP_ON_HOST("no systemd-analyze");
  // verify also checks that ExecStart's program (/usr/bin/env, which finds nexus in systemd's PATH) exists.
  const CommandResult r = run_command({"systemd-analyze", "verify", kUnit});
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK_MESSAGE(r.err.empty(), r.err);  // an unknown key or bad value is only a warning there
}
