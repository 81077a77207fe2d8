#pragma once
// nexus-ipam's verbs as the plugin skeleton runs them: the nexus-ipam executable's main(), and nexus-bridge when
// it runs them in-process (shared/cni/builtin_plugin.h).
#include <chrono>

#include "shared/cni/plugin_main.h"

namespace nexus::ipam_plugin {

cni::PluginHandlers handlers();

/// The longest a verb takes by itself: it waits at most 10 s for the network's lock (LeaseStore's lock timeout)
/// and its own work is milliseconds; twice the lock's wait leaves room for a slow disk.
inline constexpr std::chrono::milliseconds kLongestRun{20000};

}  // namespace nexus::ipam_plugin
