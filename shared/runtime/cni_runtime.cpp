#include "shared/runtime/cni_runtime.h"

#include <algorithm>

#include "shared/base/error.h"
#include "shared/cni/exec.h"
#include "shared/runtime/version.h"

namespace nexus::runtime {
using nlohmann::json;

namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// The plugin sees our environment (PATH for helpers it runs, as libcni passes os.Environ()) minus any CNI_*
// variables of our own caller, plus the protocol parameters.
cni::Environment plugin_env(const std::string& command, const std::string& cni_path, const RuntimeConf* rt) {
  cni::Environment env = cni::current_environment();
  std::erase_if(env, [](const auto& var) { return var.first.rfind("CNI_", 0) == 0; });
  env["CNI_COMMAND"] = command;
  env["CNI_PATH"] = cni_path;
  if (rt != nullptr) {
    env["CNI_CONTAINERID"] = rt->container_id;
    env["CNI_NETNS"] = rt->netns;
    env["CNI_IFNAME"] = rt->ifname;
    env["CNI_ARGS"] = format_cni_args(rt->args);
  }
  return env;
}

// A failing plugin prints {"code", "msg", "details"} (SPEC section 5 "Error"); keep its code and words.
Error plugin_error(const std::string& type, const std::string& command, const cni::ExecResult& r) {
  json doc = json::parse(r.out, nullptr, false);
  std::string prefix = "plugin " + type + " " + command + " failed: ";
  if (doc.is_object() && doc.contains("msg")) {
    unsigned code = doc.value("code", 999u);
    return Error(static_cast<Code>(code), prefix + doc.value("msg", ""), doc.value("details", ""));
  }
  std::string text = !r.err.empty() ? r.err : r.out;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return Error(Code::Internal, prefix + "exit status " + std::to_string(r.exit_code), text);
}

}  // namespace

std::string format_cni_args(const std::vector<std::pair<std::string, std::string>>& args) {
  std::string out;
  for (const auto& [k, v] : args) out += (out.empty() ? "" : ";") + k + "=" + v;
  return out;
}

json derive_request(const json& plugin, const std::string& network, const std::string& version,
                    const json& capability_args, const json& prev_result) {
  json request = plugin;
  request["name"] = network;
  request["cniVersion"] = version;
  request.erase("capabilities");
  json runtime_config = json::object();
  if (plugin.contains("capabilities") && plugin["capabilities"].is_object()) {
    for (const auto& [cap, enabled] : plugin["capabilities"].items()) {
      if (enabled.is_boolean() && enabled.get<bool>() && capability_args.contains(cap))
        runtime_config[cap] = capability_args[cap];
    }
  }
  if (!runtime_config.empty()) request["runtimeConfig"] = runtime_config;
  if (!prev_result.is_null()) request["prevResult"] = prev_result;
  return request;
}

CniRuntime::CniRuntime(std::vector<std::string> plugin_dirs, std::string cache_dir)
    : cni_path_(join(plugin_dirs, ":")), cache_(std::move(cache_dir)) {}

std::vector<std::string> CniRuntime::supported_versions(const std::string& type) {
  if (auto it = versions_.find(type); it != versions_.end()) return it->second;
  std::vector<std::string> supported;
  cni::ExecResult r = cni::exec_plugin(cni::find_plugin(type, cni_path_), plugin_env("VERSION", cni_path_, nullptr),
                                       json{{"cniVersion", runtime_versions().back()}}.dump(), true);
  json doc = json::parse(r.out, nullptr, false);
  // A plugin too old to answer VERSION restricts nothing here; its ADD will say what it cannot do.
  if (r.exit_code == 0 && doc.is_object() && doc.contains("supportedVersions") && doc["supportedVersions"].is_array()) {
    for (const json& v : doc["supportedVersions"])
      if (v.is_string()) supported.push_back(v.get<std::string>());
  }
  versions_[type] = supported;
  return supported;
}

std::string CniRuntime::negotiate(const NetworkConfigList& list) {
  std::vector<std::vector<std::string>> per_plugin;
  for (const json& plugin : list.plugins) per_plugin.push_back(supported_versions(plugin["type"].get<std::string>()));
  if (auto version = negotiate_version(list.cni_versions, per_plugin)) return *version;
  std::string detail = "network asks for " + join(list.cni_versions, ", ") + "; runtime speaks " +
                       join(runtime_versions(), ", ");
  for (size_t i = 0; i < list.plugins.size(); ++i)
    detail += "; " + list.plugins[i]["type"].get<std::string>() + " speaks " + join(per_plugin[i], ", ");
  throw Error(Code::IncompatibleVersion, "network '" + list.name + "': no CNI version in common", detail);
}

json CniRuntime::invoke(const json& plugin, const std::string& command, const json& request, const RuntimeConf* rt) {
  const std::string type = plugin["type"].get<std::string>();
  cni::ExecResult r =
      cni::exec_plugin(cni::find_plugin(type, cni_path_), plugin_env(command, cni_path_, rt), request.dump(), true);
  if (r.exit_code != 0) throw plugin_error(type, command, r);
  if (command != "ADD") return nullptr;
  json result = json::parse(r.out, nullptr, false);
  if (result.is_discarded() || !result.is_object())
    throw Error(Code::DecodeFailure, "plugin " + type + " ADD printed no JSON result", r.out);
  return result;
}

json CniRuntime::add(const NetworkConfigList& list, const RuntimeConf& rt) {
  const std::string version = negotiate(list);
  json result = nullptr;
  for (const json& plugin : list.plugins)
    result = invoke(plugin, "ADD", derive_request(plugin, list.name, version, rt.capability_args, result), &rt);
  cache_.save({list.name, rt.container_id, rt.ifname, rt.netns, list.bytes, rt.args, rt.capability_args, result});
  return result;
}

void CniRuntime::del(const NetworkConfigList& list, const RuntimeConf& rt) {
  const std::string version = negotiate(list);
  json prev = nullptr;
  // prevResult on DEL exists from 0.4.0 on (libcni passes it only then).
  if (auto entry = cached(list.name, rt); entry && !version_less(version, "0.4.0")) prev = entry->result;
  for (auto it = list.plugins.rbegin(); it != list.plugins.rend(); ++it)
    invoke(*it, "DEL", derive_request(*it, list.name, version, rt.capability_args, prev), &rt);
  cache_.remove(list.name, rt.container_id, rt.ifname);
}

void CniRuntime::check(const NetworkConfigList& list, const RuntimeConf& rt) {
  if (list.disable_check) return;
  const std::string version = negotiate(list);
  if (version_less(version, "0.4.0"))
    throw Error(Code::IncompatibleVersion, "CHECK needs CNI 0.4.0 or later; network '" + list.name +
                                                         "' negotiated " + version);
  auto entry = cached(list.name, rt);
  if (!entry || entry->result.is_null())
    throw Error(Code::UnknownContainer, "no cached result for " + rt.container_id + " on network '" +
                                                      list.name + "'",
                "the attachment was never added by a CNI runtime using cache " + cache_.path(list.name, rt.container_id, rt.ifname));
  for (const json& plugin : list.plugins)
    invoke(plugin, "CHECK", derive_request(plugin, list.name, version, rt.capability_args, entry->result), &rt);
}

std::optional<CachedAttachment> CniRuntime::cached(const std::string& network, const RuntimeConf& rt) const {
  return cache_.load(network, rt.container_id, rt.ifname);
}

}  // namespace nexus::runtime
