#include "shared/ipam_plugin/commands.h"
#include "shared/ipam_plugin/ipam_conf.h"
#include "shared/ipam/allocator.h"

namespace nexus::ipam_plugin {

// DEL is best effort: a missing data dir or network dir, or nothing held, is success.
void cmd_del(const cni::Request& req) {
  const IpamConf conf = IpamConf::parse(req, IpamConf::Use::Release);
  if (auto store = ipam::LeaseStore::find(conf.data_dir, conf.net.name))
    ipam::release(*store, {req.container_id, req.ifname});
}

}  // namespace nexus::ipam_plugin
