// nexus gc: delete nodes whose process is gone, then retry the DEL of attachments left pending by a forced delete.
//
// No CNI GC is sent. GC releases every attachment of a network that its cni.dev/valid-attachments list leaves
// out, and a network here may be shared with other runtimes (anything using libcni on the same conflist): nexus
// cannot list their attachments. Their libcni cache entries are no complete list either (another cache dir, or
// an ADD still running, whose lease exists before its cache entry). So nexus releases only what it created and
// knows to be dead, each by its own DEL, keyed by containerID and ifname.
#include <cstdio>
#include <filesystem>

#include "launcher/commands.h"
#include "launcher/launcher_error.h"
#include "launcher/node_lookup.h"
#include "launcher/node_release.h"
#include "shared/runtime/pending_releases.h"

namespace nexus::launcher {
namespace {

// Node directories without a readable record come from a create that died before its first save.
void remove_orphan_dirs(const Context& ctx) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ctx.store().dir() + "/nodes", ec)) {
    const std::string name = entry.path().filename().string();
    if (!ctx.store().find(name)) {
      std::printf("removing leftover state of %s\n", name.c_str());
      ctx.store().remove(name);
    }
  }
}

int delete_dead_nodes(const Context& ctx) {
  int failures = 0;
  for (const runtime::NodeRecord& node : ctx.store().list()) {
    // create holds the lock until its node is "running": a "creating" node seen under the lock lost its creator.
    if (node_status(node) == "running") continue;
    try {
      for (const std::string& w : teardown_node(ctx, node, false))
        std::fprintf(stderr, "nexus: warning: %s\n", w.c_str());
      std::printf("deleted node %s (%s)\n", node.name.c_str(),
                  node.state == "creating" ? "its create was interrupted" : "its process was gone");
    } catch (const std::exception& e) {
      ++failures;
      std::fprintf(stderr, "nexus: gc: %s\n  %s\n", e.what(), hint_of(e).c_str());
    }
  }
  return failures;
}

int release_pending_attachments(const Context& ctx) {
  int failures = 0;
  for (const runtime::NodeRecord& pending : runtime::PendingReleases(ctx.store().dir()).list()) {
    const std::string what = "attachment " + pending.container_id + "/" + pending.ifname + " of deleted node " +
                             pending.name + " on network " + pending.network;
    try {
      release_pending(ctx, pending);
      std::printf("released %s\n", what.c_str());
    } catch (const std::exception& e) {
      ++failures;
      std::fprintf(stderr, "nexus: gc: cannot release %s: %s\n  %s\n", what.c_str(), e.what(), hint_of(e).c_str());
    }
  }
  return failures;
}

}  // namespace

int gc(const Context& ctx) {
  runtime::FileLock lock = ctx.store().lock_exclusive();
  int failures = delete_dead_nodes(ctx);
  remove_orphan_dirs(ctx);
  failures += release_pending_attachments(ctx);
  return failures == 0 ? 0 : 1;
}

}  // namespace nexus::launcher
