#include "tests/testutil/conf_request.h"

namespace nexus::testutil {

cni::Request conf_request(nlohmann::json config, const std::string& command, const std::string& cni_args) {
  if (!config.contains("cniVersion")) config["cniVersion"] = "1.0.0";
  if (!config.contains("name")) config["name"] = "testnet";
  cni::Request req;
  req.command = command;
  req.container_id = "ctr1";
  req.netns = "/run/netns/test";
  req.ifname = "eth0";
  req.args = cni::CniArgs::parse(cni_args);
  req.stdin_data = config.dump();
  // Parsed back from the bytes, as plugin_main does: a number from text is unsigned when not negative, which
  // an nlohmann::json literal's int is not.
  req.config = nlohmann::json::parse(req.stdin_data);
  req.cni_version = req.config["cniVersion"].get<std::string>();
  return req;
}

}  // namespace nexus::testutil
