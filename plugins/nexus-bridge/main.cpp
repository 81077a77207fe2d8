#include "plugins/nexus-bridge/commands.h"
#include "shared/cni/build_identity.h"
#include "shared/cni/builtin_plugin.h"
#include "shared/cni/plugin_main.h"
#include "shared/ipam_plugin/handlers.h"

int main() {
  using namespace nexus::bridge_plugin;
  // A nexus-ipam of this very build found in CNI_PATH runs in-process: one process start per ADD instead of two.
  nexus::cni::register_builtin_plugin({.type = "nexus-ipam",
                                       .handlers = nexus::ipam_plugin::handlers(),
                                       .identity = std::string(nexus::cni::build_identity()),
                                       .longest_run = nexus::ipam_plugin::kLongestRun});
  return nexus::cni::plugin_main(
      {.add = cmd_add, .del = cmd_del, .check = cmd_check, .gc = cmd_gc, .status = cmd_status});
}
