// nexus node delete: the reverse of create; idempotent, and fine when the process already died.
#include <cstdio>

#include "launcher/commands.h"
#include "launcher/launcher_error.h"
#include "launcher/node_release.h"
#include "launcher/signal_block.h"

namespace nexus::launcher {

int node_delete(const Context& ctx, const std::string& name, bool force) {
  if (!runtime::valid_node_name(name))
    throw LauncherError("invalid node name '" + name + "'", "see: nexus node list");
  runtime::FileLock lock = ctx.store().lock_exclusive();
  auto node = ctx.store().find(name);
  if (!node) {
    // Idempotent: a second delete succeeds. A directory without a record (a create that crashed) goes too.
    ctx.store().remove(name);
    std::printf("node %s: not found, nothing to delete\n", name.c_str());
    return 0;
  }
  SignalBlock defer_interrupts;
  for (const std::string& warning : teardown_node(ctx, *node, force))
    std::fprintf(stderr, "nexus: warning: %s\n", warning.c_str());
  std::printf("node %s deleted\n", name.c_str());
  return 0;
}

}  // namespace nexus::launcher
