#pragma once
// nexus-ipam's configuration: the "ipam" object of the network config (host-local's keys), the static address
// requests from CNI_ARGS / args / runtimeConfig, and runtimeConfig.ipRanges.
#include <optional>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/cni/net_conf.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"
#include "shared/ipam/range.h"

namespace nexus::ipam_plugin {

inline constexpr const char* kDefaultDataDir = "/var/lib/cni/networks";

struct IpamConf {
  cni::NetConf net;
  std::vector<ipam::RangeSet> range_sets;  // one address per set
  std::vector<cni::Route> routes;
  std::string data_dir = kDefaultDataDir;
  cni::Dns dns;                            // resolvConf's, overridden by ipam.dns
  std::vector<IpAddress> requested;  // static addresses, at most one per set

  /// What the command does with the store: Allocate (ADD, CHECK, STATUS) parses everything; Release (DEL, GC)
  /// leaves dns and requested empty, as neither a missing resolvConf nor a stale static address may stop it.
  enum class Use { Allocate, Release };

  /// Parses and validates everything `use` needs before any state is touched: code 6 for wrong types, 7 for
  /// bad values (and for a config without "ipam"), 4 for bad CNI_ARGS.
  static IpamConf parse(const cni::Request& req, Use use = Use::Allocate);
};

}  // namespace nexus::ipam_plugin
