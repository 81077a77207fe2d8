#include "shared/ipam_plugin/commands.h"
#include "shared/ipam_plugin/ipam_conf.h"
#include "shared/ipam/allocator.h"

namespace nexus::ipam_plugin {
namespace {

// The gateway of the range that holds `address` within its set.
std::optional<IpAddress> gateway_for(const ipam::RangeSet& set, const IpAddress& address) {
  const ipam::Range* range = ipam::find_range(set, address);
  return range ? range->gateway : std::nullopt;
}

cni::Result make_result(const IpamConf& conf, const std::vector<IpAddress>& addresses) {
  cni::Result result;
  for (size_t i = 0; i < addresses.size(); ++i) {
    const ipam::Range* range = ipam::find_range(conf.range_sets[i], addresses[i]);
    const int prefix = range ? range->subnet.length() : addresses[i].bits();
    result.ips.push_back({.address = IpPrefix(addresses[i], prefix),
                          .gateway = gateway_for(conf.range_sets[i], addresses[i])});
  }
  result.routes = conf.routes;
  result.dns = conf.dns;
  return result;
}

}  // namespace

nlohmann::json cmd_add(const cni::Request& req) {
  const IpamConf conf = IpamConf::parse(req);
  ipam::LeaseStore store = ipam::LeaseStore::open(conf.data_dir, conf.net.name);
  const auto addresses = ipam::allocate(store, conf.range_sets, {req.container_id, req.ifname}, conf.requested);
  return cni::encode_result(make_result(conf, addresses), conf.net.cni_version);
}

}  // namespace nexus::ipam_plugin
