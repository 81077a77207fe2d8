#include "shared/ipam_plugin/commands.h"
#include "shared/ipam_plugin/ipam_conf.h"
#include "shared/base/error.h"
#include "shared/ipam/allocator.h"

namespace nexus::ipam_plugin {

// STATUS: ready while an ADD can get one address from every range set.
void cmd_status(const cni::Request& req) {
  const IpamConf conf = IpamConf::parse(req);
  auto store = ipam::LeaseStore::find(conf.data_dir, conf.net.name);
  if (!store) return;  // nothing leased yet
  // The first use after a reboot frees the leases of the dead containers (LeaseStore::lock()): a STATUS that
  // came first must not report their addresses as taken, or a runtime that waits for it would never ADD.
  if (store->reclaim_pending()) store->lock();
  const auto free = ipam::sets_with_free_address(*store, conf.range_sets);
  std::string exhausted;
  for (size_t i = 0; i < free.size(); ++i)
    if (!free[i]) exhausted += (exhausted.empty() ? "" : "; ") + ipam::to_string(conf.range_sets[i]);
  if (!exhausted.empty())
    throw Error(Code::NotAvailable, "no free addresses in range set " + exhausted,
                "an ADD needs one address from every range set");
}

}  // namespace nexus::ipam_plugin
