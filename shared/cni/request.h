#pragma once
// One plugin invocation: the protocol's environment variables and the configuration from stdin.
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "shared/cni/args.h"

namespace nexus::cni {

using Environment = std::map<std::string, std::string, std::less<>>;

struct Request {
  std::string command;       // CNI_COMMAND
  std::string container_id;  // CNI_CONTAINERID
  std::string netns;         // CNI_NETNS
  std::string ifname;        // CNI_IFNAME
  std::string cni_path;      // CNI_PATH
  CniArgs args;              // CNI_ARGS
  Environment environment;   // the whole environment, handed on to delegated plugins
  std::string stdin_data;    // the configuration bytes, handed on to delegated plugins unchanged
  nlohmann::json config;     // stdin parsed
  std::string cni_version;   // config's cniVersion
};

/// Environment of this process as a map.
Environment current_environment();

}  // namespace nexus::cni
