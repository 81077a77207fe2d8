#include <algorithm>

#include "shared/ipam_plugin/commands.h"
#include "shared/ipam_plugin/ipam_conf.h"
#include "shared/base/error.h"
#include "shared/ipam/allocator.h"

namespace nexus::ipam_plugin {
namespace {

std::string attachment_text(const cni::Request& req) { return "(" + req.container_id + ", " + req.ifname + ")"; }

}  // namespace

// CHECK: every address of prevResult that lies in our ranges must still be reserved for this attachment.
void cmd_check(const cni::Request& req) {
  const IpamConf conf = IpamConf::parse(req);
  if (!conf.net.prev_result)
    throw Error(Code::InvalidConfig, "CHECK needs prevResult: the result of the ADD to check");
  auto store = ipam::LeaseStore::find(conf.data_dir, conf.net.name);
  if (!store)
    throw Error(Code::Internal, "no address is reserved for " + attachment_text(req),
                "the data directory " + conf.data_dir + "/" + conf.net.name + " does not exist");
  const auto held = ipam::held_by(*store, {req.container_id, req.ifname});
  size_t ours = 0;
  for (const auto& ip : conf.net.prev_result->ips) {
    const IpAddress& address = ip.address.address();
    const bool in_our_ranges = std::any_of(conf.range_sets.begin(), conf.range_sets.end(),
                                           [&](const auto& set) { return ipam::find_range(set, address); });
    if (!in_our_ranges) continue;
    ++ours;
    if (std::find(held.begin(), held.end(), address) == held.end())
      throw Error(Code::Internal, "address " + address.to_string() + " is not reserved for " + attachment_text(req));
  }
  if (ours == 0 && held.empty())
    throw Error(Code::Internal, "no address is reserved for " + attachment_text(req));
}

}  // namespace nexus::ipam_plugin
