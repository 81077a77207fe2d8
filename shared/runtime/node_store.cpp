#include "shared/runtime/node_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "shared/base/error.h"

namespace nexus::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> address_texts(const std::vector<IpPrefix>& addresses) {
  std::vector<std::string> out;
  for (const IpPrefix& a : addresses) out.push_back(a.to_string());
  return out;
}

json to_json(const NodeRecord& r) {
  json args = json::array();
  for (const auto& [k, v] : r.cni_args) args.push_back(json::array({k, v}));
  return {{"name", r.name},         {"state", r.state},
          {"network", r.network},   {"networkConfig", r.network_config},
          {"containerId", r.container_id}, {"ifName", r.ifname},
          {"netns", r.netns_path},  {"pid", r.pid},
          {"startTime", r.start_time}, {"memoryMiB", r.memory_mib},
          {"cpuShares", r.cpu_shares}, {"cgroupVersion", r.cgroup_version},
          {"cgroupRoot", r.cgroup_root}, {"cgroupParent", r.cgroup_parent},
          {"cgroupPaths", r.cgroup_paths}, {"rootfs", r.rootfs},
          {"command", r.command},   {"env", r.env}, {"logMaxBytes", r.log_max_bytes},           {"cniArgs", args},
          {"capabilityArgs", r.capability_args}, {"addresses", address_texts(r.addresses)},
          {"created", r.created}};
}

NodeRecord node_from_json(const json& doc) {
  if (!doc.is_object()) throw Error(Code::DecodeFailure, "node record is not a JSON object");
  NodeRecord r;
  r.name = doc.value("name", "");
  r.state = doc.value("state", "creating");
  r.network = doc.value("network", "");
  r.network_config = doc.value("networkConfig", "");
  r.container_id = doc.value("containerId", "");
  r.ifname = doc.value("ifName", "eth0");
  r.netns_path = doc.value("netns", "");
  r.pid = doc.value("pid", 0);
  r.start_time = doc.value("startTime", uint64_t{0});
  r.memory_mib = doc.value("memoryMiB", uint64_t{0});
  r.cpu_shares = doc.value("cpuShares", uint64_t{0});
  r.cgroup_version = doc.value("cgroupVersion", "");
  r.cgroup_root = doc.value("cgroupRoot", "");
  r.cgroup_parent = doc.value("cgroupParent", "");
  r.cgroup_paths = doc.value("cgroupPaths", std::vector<std::string>{});
  r.rootfs = doc.value("rootfs", "");
  r.command = doc.value("command", std::vector<std::string>{});
  r.env = doc.value("env", std::vector<std::string>{});
  r.log_max_bytes = doc.value("logMaxBytes", uint64_t{0});
  for (const json& pair : doc.value("cniArgs", json::array()))
    if (pair.is_array() && pair.size() == 2) r.cni_args.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  r.capability_args = doc.value("capabilityArgs", json::object());
  for (const std::string& text : doc.value("addresses", std::vector<std::string>{}))
    if (const auto address = IpPrefix::parse(text)) r.addresses.push_back(*address);
  r.created = doc.value("created", "");
  return r;
}

bool valid_node_name(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

FileLock NodeStore::lock(int op) const {
  std::error_code ec;
  fs::create_directories(dir_ + "/nodes", ec);
  if (ec) throw sys_error("create state dir " + dir_, ec.value());
  const std::string path = dir_ + "/lock";
  // Deliberately inherited by the plugins we exec: if nexus is killed mid-ADD, the lock stays held until the
  // orphaned plugins finish, so a `nexus gc` cannot run DEL under a still-running ADD. (Node processes close it.)
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT, 0600));
  if (!fd) throw sys_error("open " + path, errno);
  while (::flock(fd.get(), op) != 0) {
    if (errno != EINTR) throw sys_error("lock " + path, errno);
  }
  return FileLock(std::move(fd));
}

FileLock NodeStore::lock_exclusive() const { return lock(LOCK_EX); }
FileLock NodeStore::lock_shared() const { return lock(LOCK_SH); }

void NodeStore::create_node_dir(const std::string& name) const {
  std::error_code ec;
  fs::create_directories(dir_ + "/nodes", ec);
  if (::mkdir(node_dir(name).c_str(), 0700) == 0) return;
  if (errno == EEXIST)
    throw Error(Code::InvalidConfig, "node '" + name + "' already exists",
                "pick another name, or remove it first: nexus node delete " + name);
  throw sys_error("create " + node_dir(name), errno);
}

bool NodeStore::exists(const std::string& name) const { return fs::exists(node_dir(name)); }

void NodeStore::save(const NodeRecord& record) const {
  const std::string path = node_dir(record.name) + "/node.json";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json(record).dump(2) << '\n';
    if (!out.flush()) throw sys_error("write " + tmp, errno);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw sys_error("rename " + tmp, errno);
}

std::optional<NodeRecord> NodeStore::find(const std::string& name) const {
  if (!valid_node_name(name)) return std::nullopt;
  std::ifstream in(node_dir(name) + "/node.json");
  if (!in) return std::nullopt;
  json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return node_from_json(doc);
}

std::vector<NodeRecord> NodeStore::list() const {
  std::vector<NodeRecord> nodes;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ + "/nodes", ec)) {
    if (auto record = find(entry.path().filename().string())) nodes.push_back(std::move(*record));
  }
  std::sort(nodes.begin(), nodes.end(), [](const NodeRecord& a, const NodeRecord& b) { return a.name < b.name; });
  return nodes;
}

void NodeStore::remove(const std::string& name) const {
  if (!valid_node_name(name)) return;
  std::error_code ec;
  fs::remove_all(node_dir(name), ec);
  if (ec) throw sys_error("remove " + node_dir(name), ec.value());
}

}  // namespace nexus::runtime
