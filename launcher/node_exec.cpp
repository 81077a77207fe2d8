// nexus node exec: run a command inside a node's namespaces and cgroup; its exit status becomes ours.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "launcher/commands.h"
#include "launcher/launcher_error.h"
#include "launcher/node_lookup.h"
#include "shared/base/error.h"
#include "shared/runtime/cgroup_fs.h"
#include "shared/runtime/namespaces.h"

namespace nexus::launcher {
namespace {

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs in a forked child: joining the PID namespace only affects children, so fork once more after setns.
[[noreturn]] void enter_and_run(const runtime::NodeRecord& node, const std::vector<std::string>& command) {
  try {
    for (const std::string& dir : node.cgroup_paths) runtime::cgroupfs::write_file(dir, "cgroup.procs", "0");
    runtime::enter_namespaces(node.pid);
  } catch (const Error& e) {
    std::fprintf(stderr, "nexus: cannot enter node %s: %s\n", node.name.c_str(), e.what());
    ::_exit(126);
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "nexus: cannot run '%s' in node %s: %s\n", argv[0], node.name.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::_exit(pid < 0 ? 126 : wait_status(pid));
}

}  // namespace

int node_exec(const Context& ctx, const std::string& name, const std::vector<std::string>& command) {
  if (command.empty())
    throw LauncherError("no command given", "usage: nexus node exec " + name + " -- CMD [ARGS...]");
  runtime::NodeRecord node = get_node(ctx, name);
  require_running(node);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw sys_error("fork", errno);
  if (pid == 0) enter_and_run(node, command);
  return wait_status(pid);
}

}  // namespace nexus::launcher
