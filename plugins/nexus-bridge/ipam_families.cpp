#include "plugins/nexus-bridge/ipam_families.h"

#include <string>

#include "shared/base/ip_address.h"

namespace nexus::bridge_plugin {
namespace {

using nlohmann::json;

// Adds the family of one range ({"subnet": ...}); false when it has none that parses (IPAM will say why).
bool add_range(const json& range, IpFamilies& f) {
  if (!range.is_object() || !range.contains("subnet") || !range["subnet"].is_string()) return false;
  const auto subnet = IpPrefix::parse(range["subnet"].get<std::string>());
  if (!subnet) return false;
  (subnet->is_v4() ? f.v4 : f.v6) = true;
  return true;
}

// A list of range sets, each a list of ranges: false when one is malformed.
bool add_range_sets(const json& sets, IpFamilies& f) {
  if (!sets.is_array()) return false;
  for (const json& set : sets) {
    if (!set.is_array()) return false;
    for (const json& range : set)
      if (!add_range(range, f)) return false;
  }
  return true;
}

}  // namespace

std::optional<IpFamilies> ipam_families(const BridgeConf& conf) {
  const std::string& type = conf.net.ipam_type;
  if (type != "nexus-ipam" && type != "host-local") return std::nullopt;
  const json& ipam = conf.net.ipam;
  IpFamilies f;
  if (const auto rt = conf.net.runtime_config.find("ipRanges"); rt != conf.net.runtime_config.end() && !rt->is_null())
    if (!add_range_sets(*rt, f)) return std::nullopt;
  if (ipam.contains("subnet") && !add_range(ipam, f)) return std::nullopt;
  if (ipam.contains("ranges") && !add_range_sets(ipam["ranges"], f)) return std::nullopt;
  // nexus-ipam with neither serves its default network, 10.0.42.0/24 (plugins/nexus-ipam/ipam_conf.cpp).
  if (!f.v4 && !f.v6 && type == "nexus-ipam" && !ipam.contains("subnet") && !ipam.contains("ranges")) f.v4 = true;
  if (!f.v4 && !f.v6) return std::nullopt;
  return f;
}

}  // namespace nexus::bridge_plugin
