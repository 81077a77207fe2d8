#pragma once
// What `nexus firewall-reload` restores from: every attachment some runtime made and recorded. libcni's result
// cache holds every runtime's (podman, containerd, CRI-O, cnitool, nexus itself); the launcher's node records
// add the nodes whose cache entry is not in this cache dir (a node created with another --cache-dir).
#include <vector>

#include "launcher/context.h"
#include "shared/runtime/result_cache.h"

namespace nexus::launcher {

/// The cache's entries, then a cache-like entry for each node of the state dir that the cache lacks (its
/// configuration, parameters and addresses, with a result of those addresses alone: no MACs).
std::vector<runtime::CachedAttachment> recorded_attachments(const Context& ctx);

}  // namespace nexus::launcher
