#pragma once
// A plugin invocation as plugin_main hands it to a configuration parser, built in memory: unit tests of the
// plugins' parsers (BridgeConf, IpamConf) call them without exec.
#include <nlohmann/json.hpp>

#include <string>

#include "shared/cni/request.h"

namespace nexus::testutil {

/// `config` as stdin (with cniVersion 1.0.0 and name "testnet" unless given), CNI_COMMAND `command`, CNI_ARGS
/// `cni_args`, container "ctr1", ifname "eth0".
cni::Request conf_request(nlohmann::json config, const std::string& command = "ADD",
                          const std::string& cni_args = "");

}  // namespace nexus::testutil
