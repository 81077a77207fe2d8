#pragma once
// Taking a node down and releasing its CNI attachment, now (delete, gc, a failed create's rollback) or later
// (an attachment a forced delete could not release, retried by gc or by a new node of the same name).
#include <string>
#include <vector>

#include "launcher/context.h"
#include "shared/runtime/node_store.h"

namespace nexus::launcher {

/// Stops the process, runs CNI DEL, removes the netns pin, cgroup and state, refreshes the network's hosts
/// files. Every step tolerates pieces that are already gone. When DEL fails: with `force` the rest still
/// runs, the attachment is recorded as a pending release for `nexus gc` and the failure is returned as a
/// warning; without, it throws LauncherError (the DEL's message, what to do) and keeps the state for a retry.
std::vector<std::string> teardown_node(const Context& ctx, const runtime::NodeRecord& node, bool force);

/// Retries the CNI DEL of an attachment left pending by a forced teardown (runtime::PendingReleases) and
/// forgets it once DEL succeeded; throws the DEL's Error otherwise (the record stays for the next try).
void release_pending(const Context& ctx, const runtime::NodeRecord& pending);

}  // namespace nexus::launcher
