#pragma once
// Daemonless node state: one directory per node under the state dir (default /var/lib/nexus/nodes/<name>),
// a JSON record written atomically, and one lock file that serialises invocations that change state.
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {

/// Everything needed to show, enter and tear down a node, even after the process died or nexus restarted.
struct NodeRecord {
  std::string name;
  std::string state = "creating";  ///< "creating" until the process runs, then "running"
  std::string network;
  std::string network_config;  ///< the conflist bytes used at ADD (DEL runs with the same configuration)
  std::string container_id;
  std::string ifname = "eth0";
  std::string netns_path;
  pid_t pid = 0;
  uint64_t start_time = 0;  ///< identity of pid (see process.h)
  uint64_t memory_mib = 0;
  uint64_t cpu_shares = 0;
  std::string cgroup_version;  ///< "v1" or "v2"
  std::string cgroup_root;
  std::string cgroup_parent;
  std::vector<std::string> cgroup_paths;
  std::string rootfs;
  std::vector<std::string> command;
  uint64_t log_max_bytes = 0;          ///< cap of the command's log on disk (capped_log.h)
  std::vector<std::string> env;        ///< the node's whole environment, "NAME=value"; `node exec` starts from it
  std::vector<std::pair<std::string, std::string>> cni_args;
  nlohmann::json capability_args = nlohmann::json::object();
  std::vector<IpPrefix> addresses;     ///< from the CNI result
  std::string created;                 ///< UTC, ISO 8601
};

/// The addresses as text ("10.0.42.2/24"), as the record stores and prints them.
std::vector<std::string> address_texts(const std::vector<IpPrefix>& addresses);

nlohmann::json to_json(const NodeRecord& record);
/// Throws Error code 6 for a record that is not an object.
NodeRecord node_from_json(const nlohmann::json& doc);

/// A held flock(2); released when destroyed.
class FileLock {
 public:
  FileLock() = default;
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}

 private:
  UniqueFd fd_;
};

/// True for a usable node name: a DNS label (lowercase letters, digits, '-', 1..63, no leading/trailing '-').
bool valid_node_name(const std::string& name);

class NodeStore {
 public:
  explicit NodeStore(std::string dir) : dir_(std::move(dir)) {}

  /// Exclusive lock for commands that change nodes; blocks until free.
  FileLock lock_exclusive() const;
  /// Shared lock for readers.
  FileLock lock_shared() const;

  /// Creates nodes/<name>/; throws Error when a node of that name exists.
  void create_node_dir(const std::string& name) const;
  bool exists(const std::string& name) const;
  void save(const NodeRecord& record) const;
  std::optional<NodeRecord> find(const std::string& name) const;
  /// Every node, sorted by name; unreadable records are skipped.
  std::vector<NodeRecord> list() const;
  /// Removes the node's directory; idempotent.
  void remove(const std::string& name) const;
  std::string node_dir(const std::string& name) const { return dir_ + "/nodes/" + name; }
  const std::string& dir() const { return dir_; }

 private:
  FileLock lock(int op) const;
  std::string dir_;
};

}  // namespace nexus::runtime
