// nexus node exec: run a command inside a node's namespaces and cgroup, in the node's environment plus -e, on a
// terminal of its own with -t; its exit status becomes ours.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "launcher/commands.h"
#include "launcher/env_options.h"
#include "launcher/launcher_error.h"
#include "launcher/node_lookup.h"
#include "launcher/terminal.h"
#include "shared/base/error.h"
#include "shared/runtime/cgroup_fs.h"
#include "shared/runtime/namespaces.h"
#include "shared/runtime/node_env.h"

namespace nexus::launcher {
namespace {

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs in a forked child: joining the PID namespace only affects children, so fork once more after setns.
// With a terminal, the command's process becomes its session leader inside the node's PID namespace: a shell's
// job control then sees the terminal's process groups (from the first child, outside, it would not).
[[noreturn]] void enter_and_run(const runtime::NodeRecord& node, const std::vector<std::string>& command,
                                const std::vector<std::string>& env, PseudoTerminal* terminal) {
  try {
    for (const std::string& dir : node.cgroup_paths) runtime::cgroupfs::write_file(dir, "cgroup.procs", "0");
    runtime::enter_namespaces(node.pid);
  } catch (const Error& e) {
    std::fprintf(stderr, "nexus: cannot enter node %s: %s\n", node.name.c_str(), e.what());
    ::_exit(126);
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    if (terminal != nullptr && !terminal->become_controlling_terminal()) ::_exit(126);
    runtime::replace_environment(env);
    std::vector<char*> argv;
    for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "nexus: cannot run '%s' in node %s: %s\n", argv[0], node.name.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::_exit(pid < 0 ? 126 : wait_status(pid));
}

// The node's environment as created (a record of an older nexus has none: the base one), then -e, then, on a
// terminal, TERM as ours says.
std::vector<std::string> exec_environment(const runtime::NodeRecord& node, const ExecOptions& o) {
  std::vector<std::string> env = node.env.empty() ? runtime::node_environment(node.name, {}) : node.env;
  if (o.tty) {
    const char* term = std::getenv("TERM");
    env = runtime::with_assignments(env, {std::string("TERM=") + (term != nullptr ? term : "xterm")});
  }
  return runtime::with_assignments(env, parse_env_options(o.env_args, o.env_files));
}

}  // namespace

int node_exec(const Context& ctx, const ExecOptions& o) {
  if (o.command.empty())
    throw LauncherError("no command given", "usage: nexus node exec " + o.name + " -- CMD [ARGS...]");
  const runtime::NodeRecord node = get_node(ctx, o.name);
  const std::vector<std::string> env = exec_environment(node, o);
  require_running(node);
  std::optional<PseudoTerminal> terminal;
  if (o.tty) terminal.emplace(PseudoTerminal::open());
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw sys_error("fork", errno);
  if (pid == 0) enter_and_run(node, o.command, env, terminal ? &*terminal : nullptr);
  if (terminal) terminal->relay();
  return wait_status(pid);
}

}  // namespace nexus::launcher
