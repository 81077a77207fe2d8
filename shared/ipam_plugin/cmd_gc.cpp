#include "shared/ipam_plugin/commands.h"
#include "shared/ipam_plugin/ipam_conf.h"
#include "shared/ipam/allocator.h"

namespace nexus::ipam_plugin {

// GC: release every lease whose attachment the runtime no longer knows.
void cmd_gc(const cni::Request& req) {
  const IpamConf conf = IpamConf::parse(req, IpamConf::Use::Release);
  std::vector<ipam::Attachment> valid;
  for (const auto& a : cni::valid_attachments(req.config)) valid.push_back({a.container_id, a.ifname});
  if (auto store = ipam::LeaseStore::find(conf.data_dir, conf.net.name)) ipam::gc(*store, valid);
}

}  // namespace nexus::ipam_plugin
