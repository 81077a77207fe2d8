#include "plugins/nexus-bridge/ipam_add.h"

#include "shared/base/error.h"

namespace nexus::bridge_plugin {

IpamAdd::IpamAdd(const BridgeConf& conf, const cni::Request& req)
    : conf_(conf), req_(req), call_(cni::delegate_async(conf.net.ipam_type, "ADD", req, /*gated=*/true)) {}

void IpamAdd::go() { call_.release(); }

cni::Result IpamAdd::result() {
  const std::string out = call_.get();
  succeeded_ = true;
  return cni::parse_add_result(conf_.net.ipam_type, out, req_);
}

void IpamAdd::undo() {
  if (!succeeded_) {
    try {
      result();
    } catch (const Error&) {
      if (call_.exited()) return;  // IPAM answered with its error: it holds nothing
      // Killed (at the timeout, or by someone else) part-way through: its DEL frees whatever it took.
    }
  }
  cni::delegate_del(conf_.net.ipam_type, req_);
}

}  // namespace nexus::bridge_plugin
