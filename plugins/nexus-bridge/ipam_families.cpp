#include "plugins/nexus-bridge/ipam_families.h"

#include <string>

#include "shared/base/error.h"
#include "shared/base/ip_address.h"
#include "shared/ipam_plugin/ipam_conf.h"

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

// nexus-ipam's range sets as nexus-ipam itself reads them (its default network included).
std::optional<IpFamilies> nexus_ipam_families(const cni::Request& req) {
  try {
    IpFamilies f;
    for (const auto& set : ipam_plugin::IpamConf::parse(req, ipam_plugin::IpamConf::Use::Release).range_sets)
      for (const auto& range : set) (range.subnet.is_v4() ? f.v4 : f.v6) = true;
    return f;
  } catch (const Error&) {
    return std::nullopt;  // IPAM will refuse the config itself, with its own error
  }
}

}  // namespace

std::optional<IpFamilies> ipam_families(const BridgeConf& conf, const cni::Request& req) {
  const std::string& type = conf.net.ipam_type;
  if (type == "nexus-ipam") return nexus_ipam_families(req);
  if (type != "host-local") return std::nullopt;
  const json& ipam = conf.net.ipam;
  IpFamilies f;
  if (const auto rt = conf.net.runtime_config.find("ipRanges"); rt != conf.net.runtime_config.end() && !rt->is_null())
    if (!add_range_sets(*rt, f)) return std::nullopt;
  if (ipam.contains("subnet") && !add_range(ipam, f)) return std::nullopt;
  if (ipam.contains("ranges") && !add_range_sets(ipam["ranges"], f)) return std::nullopt;
  if (!f.v4 && !f.v6) return std::nullopt;
  return f;
}

}  // namespace nexus::bridge_plugin
