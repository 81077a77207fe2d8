#include "shared/runtime/pending_releases.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "shared/base/error.h"

namespace nexus::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::optional<NodeRecord> read_record(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return node_from_json(doc);
}

}  // namespace

std::string PendingReleases::path(const std::string& network, const std::string& container_id,
                                  const std::string& ifname) const {
  return dir_ + "/" + network + "-" + container_id + "-" + ifname + ".json";
}

void PendingReleases::add(const NodeRecord& node) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw sys_error("create " + dir_, ec.value());
  const std::string file = path(node.network, node.container_id, node.ifname);
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << to_json(node).dump(2) << '\n';
    if (!out.flush()) throw sys_error("write " + tmp, errno);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) throw sys_error("rename " + tmp, errno);
}

std::optional<NodeRecord> PendingReleases::find(const std::string& network, const std::string& container_id,
                                                const std::string& ifname) const {
  return read_record(path(network, container_id, ifname));
}

std::vector<NodeRecord> PendingReleases::list() const {
  std::vector<NodeRecord> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".json") continue;
    if (auto record = read_record(entry.path().string())) out.push_back(std::move(*record));
  }
  return out;
}

void PendingReleases::remove(const NodeRecord& node) const {
  const std::string file = path(node.network, node.container_id, node.ifname);
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) throw sys_error("remove " + file, errno);
}

}  // namespace nexus::runtime
