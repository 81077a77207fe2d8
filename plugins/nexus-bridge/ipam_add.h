#pragma once
// IPAM's ADD for nexus-bridge, running in its own process while the plugin does independent work.
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/cni/delegate.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"

namespace nexus::bridge_plugin {

/// Starts the IPAM plugin held short of the last byte of its configuration, so its exec overlaps the plugin's
/// checks of the request; it acts only once go() says the ADD goes ahead. Destroyed before go(), it is killed
/// before it acted; if the plugin dies, before or after go(), it dies too (shared/cni/delegate.h).
class IpamAdd {
 public:
  IpamAdd(const BridgeConf& conf, const cni::Request& req);

  void go();
  /// Waits for IPAM's result; re-throws its error.
  cni::Result result();
  /// Rollback: releases the addresses if IPAM gave or may have taken any (it was killed part-way), waiting
  /// for it first if a step failed meanwhile.
  void undo();

 private:
  const BridgeConf& conf_;
  const cni::Request& req_;
  cni::PendingDelegate call_;
  bool succeeded_ = false;
};

}  // namespace nexus::bridge_plugin
