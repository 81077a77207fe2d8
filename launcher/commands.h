#pragma once
// One function per command; main.cpp only parses the command line and calls these. Each returns the exit
// status and throws LauncherError for the launcher's own failures, or lets a plugin's or the runtime's
// nexus::Error through; main prints either.
#include <cstdint>
#include <string>
#include <vector>

#include "launcher/context.h"

namespace nexus::launcher {

struct CreateOptions {
  std::string name;
  int64_t memory_mib = -1;  ///< -1: no limit
  int64_t cpu_shares = -1;  ///< -1: kernel default
  std::string network = "nexus";
  std::string ip;
  std::string rootfs;
  std::vector<std::string> env_args;   ///< -e NAME=value / NAME
  std::vector<std::string> env_files;  ///< --env-file
  std::vector<std::string> publish;    ///< -p [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]
  uint64_t log_max_bytes = 0;          ///< --log-max-size; 0: runtime::kDefaultLogCap
  std::vector<std::string> command;
};

struct ExecOptions {
  std::string name;
  std::vector<std::string> env_args;   ///< -e, added to the node's environment
  std::vector<std::string> env_files;  ///< --env-file
  bool tty = false;                    ///< -t: the command gets a terminal
  std::vector<std::string> command;
};

int node_create(const Context& ctx, const CreateOptions& options);
int node_delete(const Context& ctx, const std::string& name, bool force);
int node_list(const Context& ctx, bool json);
int node_show(const Context& ctx, const std::string& name);
int node_logs(const Context& ctx, const std::string& name, bool follow);
int node_exec(const Context& ctx, const ExecOptions& options);
int node_check(const Context& ctx, const std::string& name);
int gc(const Context& ctx);
int firewall_reload(const Context& ctx);

}  // namespace nexus::launcher
