#include "tests/testutil/vlan_table.h"

#include <nlohmann/json.hpp>

#include "tests/testutil/inspect.h"

namespace nexus::testutil {

using nlohmann::json;

std::string vlan_table(const std::string& port) {
  const json table = json::parse(inspect({"bridge", "-compressvlans", "-j", "vlan", "show", "dev", port}));
  std::string out;
  for (const json& dev : table) {
    if (dev.value("ifname", "") != port) continue;
    for (const json& v : dev.value("vlans", json::array())) {
      std::string entry = std::to_string(v["vlan"].get<int>());
      if (v.contains("vlanEnd")) entry += "-" + std::to_string(v["vlanEnd"].get<int>());
      for (const json& flag : v.value("flags", json::array())) entry += " " + flag.get<std::string>();
      out += (out.empty() ? "" : ", ") + entry;
    }
  }
  return out;
}

int vlan_filtering_of(const std::string& bridge) {
  const json link = json::parse(inspect({"ip", "-d", "-j", "link", "show", "dev", bridge}));
  return link.at(0).at("linkinfo").at("info_data").at("vlan_filtering").get<int>();
}

}  // namespace nexus::testutil
