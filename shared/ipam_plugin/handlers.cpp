#include "shared/ipam_plugin/handlers.h"

#include "shared/ipam_plugin/commands.h"

namespace nexus::ipam_plugin {

cni::PluginHandlers handlers() {
  return {.add = cmd_add, .del = cmd_del, .check = cmd_check, .gc = cmd_gc, .status = cmd_status};
}

}  // namespace nexus::ipam_plugin
