#include "plugins/nexus-ipam/commands.h"
#include "shared/cni/plugin_main.h"

int main() {
  using namespace nexus::ipam_plugin;
  return nexus::cni::plugin_main(
      {.add = cmd_add, .del = cmd_del, .check = cmd_check, .gc = cmd_gc, .status = cmd_status});
}
