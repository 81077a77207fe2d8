#include "shared/runtime/conflist.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/base/error.h"

namespace nexus::runtime {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error invalid(const std::string& source, const std::string& msg) {
  return Error(Code::InvalidConfig, source + ": " + msg);
}

std::string string_key(const json& obj, const char* key, const std::string& source, bool required) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) throw invalid(source, std::string("missing key '") + key + "'");
    return {};
  }
  if (!it->is_string()) throw invalid(source, std::string("key '") + key + "' must be a string, got " + it->dump());
  return it->get<std::string>();
}

bool bool_key(const json& obj, const char* key, const std::string& source) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_boolean()) throw invalid(source, std::string("key '") + key + "' must be true or false, got " + it->dump());
  return it->get<bool>();
}

// A single-plugin .conf becomes a one-entry list, as libcni's ConfListFromConf does.
json as_list(const json& doc) {
  if (doc.contains("plugins") || !doc.contains("type")) return doc;
  // Keys are copied as they are (not with value(), which throws json's own error for a non-string "name"):
  // parse_conflist checks them and names the bad one.
  json list = {{"plugins", json::array({doc})}};
  if (doc.contains("name")) list["name"] = doc["name"];
  if (doc.contains("cniVersion")) list["cniVersion"] = doc["cniVersion"];
  return list;
}

void parse_versions(const json& doc, NetworkConfigList& list) {
  list.cni_version = string_key(doc, "cniVersion", list.source, false);
  if (!list.cni_version.empty()) list.cni_versions.push_back(list.cni_version);
  const json versions = doc.value("cniVersions", json::array());
  if (!versions.is_array())
    throw invalid(list.source, "key 'cniVersions' must be a list of strings, got " + versions.dump());
  for (const json& v : versions) {
    if (!v.is_string()) throw invalid(list.source, "key 'cniVersions' holds a non-string: " + v.dump());
    if (std::find(list.cni_versions.begin(), list.cni_versions.end(), v.get<std::string>()) == list.cni_versions.end())
      list.cni_versions.push_back(v.get<std::string>());
  }
  if (list.cni_versions.empty()) throw invalid(list.source, "missing key 'cniVersion'");
}

void parse_plugins(const json& doc, NetworkConfigList& list) {
  auto it = doc.find("plugins");
  if (it == doc.end() || !it->is_array() || it->empty())
    throw invalid(list.source, "key 'plugins' must be a non-empty list of plugin configurations");
  for (const json& plugin : *it) {
    if (!plugin.is_object()) throw invalid(list.source, "a 'plugins' entry is not an object: " + plugin.dump());
    std::string type = string_key(plugin, "type", list.source, true);
    if (type.empty() || type.find('/') != std::string::npos)
      throw invalid(list.source, "invalid plugin 'type' '" + type + "'");
    list.plugins.push_back(plugin);
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<fs::path> conf_files(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file(ec) && (ext == ".conflist" || ext == ".conf" || ext == ".json"))
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

bool valid_network_name(const std::string& name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

NetworkConfigList parse_conflist(const std::string& bytes, const std::string& source) {
  json doc = json::parse(bytes, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw Error(Code::DecodeFailure, source + ": not a JSON object");
  const bool converted = !doc.contains("plugins") && doc.contains("type");
  doc = as_list(doc);
  NetworkConfigList list;
  list.source = source;
  list.name = string_key(doc, "name", source, true);
  if (!valid_network_name(list.name)) throw invalid(source, "invalid network 'name' '" + list.name + "'");
  parse_versions(doc, list);
  list.disable_check = bool_key(doc, "disableCheck", source);
  list.disable_gc = bool_key(doc, "disableGC", source);
  parse_plugins(doc, list);
  list.bytes = converted ? doc.dump() : bytes;
  return list;
}

std::optional<NetworkConfigList> find_network(const std::string& name, const std::vector<std::string>& dirs) {
  for (const std::string& dir : dirs) {
    for (const fs::path& file : conf_files(dir)) {
      try {
        NetworkConfigList list = parse_conflist(read_file(file), file.string());
        if (list.name == name) return list;
      } catch (const Error&) {
        // A broken file that names another network must not hide ours; libcni skips it the same way.
      }
    }
  }
  return std::nullopt;
}

NetworkConfigList load_network(const std::string& name, const std::vector<std::string>& dirs) {
  if (auto list = find_network(name, dirs)) return *list;
  if (name == kDefaultNetwork) return builtin_network();
  std::string searched;
  for (const std::string& dir : dirs) searched += (searched.empty() ? "" : ", ") + dir;
  throw Error(Code::InvalidConfig, "no network configuration named '" + name + "'",
              "searched " + searched + " for *.conflist, *.conf and *.json files; create one there or pass "
              "--conf-dir DIR");
}

NetworkConfigList builtin_network() {
  static const char* kConf = R"({
  "cniVersion": "1.0.0",
  "cniVersions": ["0.3.1", "0.4.0", "1.0.0", "1.1.0"],
  "name": "nexus",
  "plugins": [
    {
      "type": "nexus-bridge",
      "bridge": "nexus0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "capabilities": {"ips": true, "mac": true, "dns": true, "ipRanges": true, "portMappings": true},
      "ipam": {
        "type": "nexus-ipam",
        "ranges": [[{"subnet": "10.0.42.0/24", "gateway": "10.0.42.1"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
)";
  return parse_conflist(kConf, "built-in");
}

std::vector<std::string> default_conf_dirs(const std::string& exe_dir) {
  return {"/etc/cni/net.d", exe_dir + "/../conf", exe_dir + "/conf"};
}

}  // namespace nexus::runtime
