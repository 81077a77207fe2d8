#pragma once
// Each node's /etc/hosts names every node of its network; whoever adds or removes a node refreshes them.
#include <string>

#include "launcher/context.h"

namespace nexus::launcher {

/// Rewrites /etc/hosts of every node on `network` (bind mounts see the change at once).
void refresh_hosts(const Context& ctx, const std::string& network);

}  // namespace nexus::launcher
