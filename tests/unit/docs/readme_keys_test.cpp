// The README's configuration tables are the user's reference for the drop-in claim: every key the reference
// bridge and host-local plugins document (their docs, ../shared/reference/ref-plugin-*.md, CNI 1.1.0) must have
// a row, so that a key the reference accepts is never left unexplained. The lists below are those docs' keys;
// a key Nexus adds or refuses still gets its row.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/testutil/readme.h"

namespace {

using nexus::testutil::readme_section;

// The first cell of each table row ("| `a`, `b` | ..." gives "`a`, `b`").
std::vector<std::string> key_cells(const std::string& section) {
  std::vector<std::string> cells;
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) != 0) continue;
    const auto bar = line.find(" |", 2);
    if (bar != std::string::npos) cells.push_back(line.substr(2, bar - 2));
  }
  return cells;
}

bool has_row_for(const std::vector<std::string>& cells, const std::string& key) {
  const std::string quoted = "`" + key + "`";
  for (const std::string& cell : cells)
    if (cell.find(quoted) != std::string::npos) return true;
  return false;
}

void check_rows(const std::string& title, const std::vector<std::string>& keys) {
  const std::vector<std::string> cells = key_cells(readme_section(title));
  REQUIRE_MESSAGE(cells.size() > 5, "README.md has no key table under \"## " << title << "\"");
  for (const std::string& key : keys)
    CHECK_MESSAGE(has_row_for(cells, key), "README \"" << title << "\" has no table row for `" << key << "`");
}

}  // namespace

TEST_CASE("README: the nexus-bridge table has a row for every key of the reference bridge's docs") {
  check_rows("`nexus-bridge` configuration",
             {"cniVersion", "name", "type", "bridge", "isGateway", "isDefaultGateway", "forceAddress", "ipMasq",
              "ipMasqBackend", "mtu", "hairpinMode", "ipam", "promiscMode", "vlan", "preserveDefaultVlan",
              "vlanTrunk", "enabledad", "macspoofchk", "disableContainerInterface", "portIsolation",
              "MAC=", "args.cni.mac", "runtimeConfig.mac", "runtimeConfig.dns",
              // Nexus's own keys
              "nonMasqueradeCIDRs"});
}

TEST_CASE("README: the nexus-ipam table has a row for every key of host-local's docs") {
  check_rows("`nexus-ipam` configuration",
             {"type", "routes", "resolvConf", "dataDir", "ranges", "subnet", "rangeStart", "rangeEnd", "gateway",
              "IP=", "args.cni.ips", "runtimeConfig.ips", "runtimeConfig.ipRanges"});
}

TEST_CASE("README: a key without a row is reported") {
  const std::vector<std::string> cells = {"`bridge`", "`vlan`, `vlanTrunk`"};
  CHECK(has_row_for(cells, "vlanTrunk"));
  CHECK_FALSE(has_row_for(cells, "macspoofchk"));
  CHECK_FALSE(has_row_for(cells, "vlanTr"));
}
