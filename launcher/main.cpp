// nexus: command-line parsing only (CLI11); each command lives in its own file.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "launcher/commands.h"
#include "launcher/launcher_error.h"

namespace {
using namespace nexus::launcher;

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--state-dir", g.state_dir, "Node state directory")->envname("NEXUS_STATE_DIR")->capture_default_str();
  app.add_option("--conf-dir", g.conf_dir,
                 "Network configuration dirs, ':'-separated (default: /etc/cni/net.d, then conf/ next to nexus)")
      ->envname("NEXUS_CONF_DIR");
  app.add_option("--cni-path", g.cni_path,
                 "Plugin dirs, ':'-separated (default: nexus's own dir, /opt/cni/bin, /usr/lib/cni)")
      ->envname("NEXUS_CNI_PATH");
  app.add_option("--cache-dir", g.cache_dir, "libcni cache dir (results under <dir>/results)")
      ->envname("NEXUS_CNI_CACHE_DIR")->capture_default_str();
  app.add_option("--netns-dir", g.netns_dir, "Where network namespaces are pinned")
      ->envname("NEXUS_NETNS_DIR")->capture_default_str();
  app.add_option("--cgroup-root", g.cgroup_root, "cgroup filesystem root")
      ->envname("NEXUS_CGROUP_ROOT")->capture_default_str();
  app.add_option("--cgroup-parent", g.cgroup_parent, "Parent cgroup of all nodes")
      ->envname("NEXUS_CGROUP_PARENT")->capture_default_str();
  app.add_option("--resolv-conf", g.resolv_conf, "The host's resolv.conf, whose nameservers nodes get")
      ->envname("NEXUS_RESOLV_CONF")->capture_default_str();
  app.add_option("--resolved-conf", g.resolved_conf,
                 "systemd-resolved's upstream list, used when --resolv-conf names only its loopback stub")
      ->envname("NEXUS_RESOLVED_CONF")->capture_default_str();
}

// -e and --env-file, the same for `create` and `exec`.
void add_env_options(CLI::App& cmd, std::vector<std::string>& env_args, std::vector<std::string>& env_files) {
  cmd.add_option("-e,--env", env_args,
                 "Set an environment variable: NAME=value, or NAME to pass on this shell's value (repeatable)")
      ->allow_extra_args(false);
  cmd.add_option("--env-file", env_files, "Read NAME=value lines from a file ('#' comments; before -e)")
      ->allow_extra_args(false);
}

CLI::App* add_create(CLI::App& node, CreateOptions& o) {
  CLI::App* cmd = node.add_subcommand("create", "Start a node: a process with its own network, hostname, PIDs, IPC "
                                                "and mounts, limited by a cgroup and attached to a CNI network");
  cmd->add_option("name", o.name, "Node name (also its hostname)")->required();
  cmd->add_option("--mem", o.memory_mib, "Memory limit in MiB (default: none)");
  cmd->add_option("--cpu", o.cpu_shares, "CPU shares, 2..262144 (1024 = one default process; default: none)");
  cmd->add_option("--net", o.network, "CNI network (a conflist name)")->capture_default_str();
  cmd->add_option("--ip", o.ip, "Ask for this address (CNI_ARGS IP and the 'ips' capability)");
  cmd->add_option("--rootfs", o.rootfs, "Root filesystem directory to pivot into (fresh /proc mounted)");
  add_env_options(*cmd, o.env_args, o.env_files);
  cmd->add_option("-p,--publish", o.publish,
                  "Publish a port: [HOST_IP:]HOST_PORT:NODE_PORT[/tcp|udp|sctp] (repeatable; the network needs a "
                  "plugin with the portMappings capability)")
      ->allow_extra_args(false);
  cmd->add_option("--log-max-size", o.log_max_bytes,
                  "Cap on the command's log on disk, e.g. 512k, 10m (default 1m; at least 128k). The newest output "
                  "is kept; see it with 'nexus node logs'")
      ->transform(CLI::AsSizeValue(false));
  cmd->add_option("command", o.command, "Command to run after '--' (default: an init that waits)");
  cmd->footer("Example: nexus node create node-001 --mem 256 --cpu 512\n"
              "         nexus node create web --ip 10.0.42.80 -- /usr/bin/python3 -m http.server 80\n"
              "         nexus node create app -e MODE=prod --env-file app.env -- /usr/local/bin/app\n"
              "         nexus node create web -p 8080:80 -- busybox httpd -f -p 80");
  return cmd;
}

// Values the node subcommands parse into, and the subcommands themselves (to see which one ran).
struct NodeCommands {
  CreateOptions create;
  std::string name;
  bool json = false;
  bool force = false;
  bool follow = false;
  ExecOptions exec;
  CLI::App *create_cmd, *list_cmd, *show_cmd, *logs_cmd, *exec_cmd, *check_cmd, *delete_cmd;
};

void add_node_commands(CLI::App& node, NodeCommands& c) {
  c.create_cmd = add_create(node, c.create);
  c.list_cmd = node.add_subcommand("list", "List nodes: name, state, pid, addresses, memory, cpu");
  c.list_cmd->add_flag("--json", c.json, "Print JSON instead of a table");
  c.show_cmd = node.add_subcommand("show", "Print a node as JSON, with its CNI result");
  c.show_cmd->add_option("name", c.name, "Node name")->required();
  c.logs_cmd = node.add_subcommand("logs", "Print what the node's command wrote (stdout and stderr), oldest first");
  c.logs_cmd->add_option("name", c.name, "Node name")->required();
  c.logs_cmd->add_flag("-f,--follow", c.follow, "Keep printing new output until the node's process ends");
  c.exec_cmd = node.add_subcommand("exec", "Run a command inside a node (its namespaces and cgroup); "
                                           "exits with the command's status");
  c.exec_cmd->add_option("name", c.exec.name, "Node name")->required();
  add_env_options(*c.exec_cmd, c.exec.env_args, c.exec.env_files);
  c.exec_cmd->add_flag("-t,--tty", c.exec.tty, "Give the command a terminal (for an interactive shell)");
  c.exec_cmd->add_option("command", c.exec.command, "Command and arguments, after '--'")->required();
  c.exec_cmd->footer("Example: nexus node exec node-001 -- ip addr\n"
                     "         nexus node exec -t node-001 -- /bin/sh\n"
                     "         nexus node exec -e DEBUG=1 node-001 -- printenv DEBUG");
  c.check_cmd = node.add_subcommand("check", "Ask the network's plugins to verify the node (CNI CHECK)");
  c.check_cmd->add_option("name", c.name, "Node name")->required();
  c.delete_cmd = node.add_subcommand("delete", "Stop a node and remove its network, cgroup and state "
                                               "(succeeds when already gone)");
  c.delete_cmd->add_option("name", c.name, "Node name")->required();
  c.delete_cmd->add_flag("--force", c.force, "Remove the node even when CNI DEL fails");
}

void require_root(std::initializer_list<const CLI::App*> commands) {
  for (const CLI::App* cmd : commands)
    if (cmd->parsed() && ::geteuid() != 0)
      throw LauncherError("'" + cmd->get_name() + "' needs root (namespaces, cgroups, mounts and network setup)",
                          "run it with sudo");
}

int run(int argc, char** argv) {
  CLI::App app{"nexus: networked nodes with memory and CPU limits, on CNI plugins"};
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the subcommand too (set before subcommands inherit it)
  GlobalOptions globals;
  add_global_options(app, globals);
  CLI::App* node = app.add_subcommand("node", "Create, inspect, enter and delete nodes");
  node->require_subcommand(1);
  NodeCommands c;
  add_node_commands(*node, c);
  CLI::App* gc_cmd = app.add_subcommand("gc", "Delete nodes whose process is gone; retry DELs a forced delete left");
  CLI::App* reload_cmd = app.add_subcommand(
      "firewall-reload", "Re-create nexus-bridge's nftables tables and elements (ipMasq, portMappings, macspoofchk) "
                         "of every live attachment in the --cache-dir cache and of every node, after a firewall "
                         "reload (nft flush ruleset) removed them");
  reload_cmd->footer("Run by nexus-firewall-reload.service after nftables.service or firewalld.service (re)loads.");

  CLI11_PARSE(app, argc, argv);
  require_root({c.create_cmd, c.exec_cmd, c.check_cmd, c.delete_cmd, gc_cmd, reload_cmd});
  Context ctx(globals);
  if (c.create_cmd->parsed()) return node_create(ctx, c.create);
  if (c.list_cmd->parsed()) return node_list(ctx, c.json);
  if (c.show_cmd->parsed()) return node_show(ctx, c.name);
  if (c.logs_cmd->parsed()) return node_logs(ctx, c.name, c.follow);
  if (c.exec_cmd->parsed()) return node_exec(ctx, c.exec);
  if (c.check_cmd->parsed()) return node_check(ctx, c.name);
  if (c.delete_cmd->parsed()) return node_delete(ctx, c.name, c.force);
  if (gc_cmd->parsed()) return gc(ctx);
  if (reload_cmd->parsed()) return firewall_reload(ctx);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // The launcher's own LauncherError, or a plugin's or the runtime's nexus::Error: message, then its hint.
    std::fprintf(stderr, "nexus: error: %s\n", e.what());
    if (const std::string hint = nexus::launcher::hint_of(e); !hint.empty())
      std::fprintf(stderr, "  %s\n", hint.c_str());
  }
  return 1;
}
