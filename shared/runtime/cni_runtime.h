#pragma once
// Executes a network configuration list as SPEC section 3 describes: ADD in order with prevResult chained,
// DEL in reverse with the cached result, CHECK; version negotiation through VERSION; libcni's result cache.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "shared/runtime/conflist.h"
#include "shared/runtime/result_cache.h"

namespace nexus::runtime {

/// The per-attachment parameters (SPEC "Attachment Parameters").
struct RuntimeConf {
  std::string container_id;
  std::string netns;
  std::string ifname = "eth0";
  std::vector<std::pair<std::string, std::string>> args;         ///< CNI_ARGS, in order
  nlohmann::json capability_args = nlohmann::json::object();     ///< e.g. {"ips": ["10.0.42.9"]}
};

/// Where plugins are and where results are cached; one instance per invocation.
class CniRuntime {
 public:
  /// `plugin_dirs` becomes CNI_PATH; `cache_dir` is libcni's CacheDir (results under cache_dir/results).
  CniRuntime(std::vector<std::string> plugin_dirs, std::string cache_dir);

  /// ADD: runs every plugin in order, chains prevResult, caches and returns the final result.
  /// On a failing plugin it throws that plugin's error (code, msg, details) and caches nothing;
  /// the caller must still run del() (SPEC: a delete follows every add).
  nlohmann::json add(const NetworkConfigList& list, const RuntimeConf& rt);
  /// DEL: every plugin in reverse with the cached result as prevResult, then drops the cache entry.
  /// Without a cache entry it still runs (no prevResult). Stops at the first failing plugin and throws.
  void del(const NetworkConfigList& list, const RuntimeConf& rt);
  /// CHECK against the cached result; no-op when the list sets disableCheck. Throws the first failure, or
  /// Error when there is no cached result or the version is below 0.4.0.
  void check(const NetworkConfigList& list, const RuntimeConf& rt);

  /// The version all plugins of `list` and the runtime speak (plugins asked once with VERSION).
  std::string negotiate(const NetworkConfigList& list);
  /// The cached ADD of an attachment.
  std::optional<CachedAttachment> cached(const std::string& network, const RuntimeConf& rt) const;
  /// CNI_PATH as passed to plugins.
  const std::string& cni_path() const { return cni_path_; }
  /// The cache.
  const ResultCache& cache() const { return cache_; }

 private:
  nlohmann::json invoke(const nlohmann::json& plugin, const std::string& command, const nlohmann::json& request,
                        const RuntimeConf* rt);
  std::vector<std::string> supported_versions(const std::string& type);

  std::string cni_path_;
  ResultCache cache_;
  std::map<std::string, std::vector<std::string>> versions_;  // plugin type -> supportedVersions
};

/// The request configuration of one plugin (SPEC "Deriving request configuration"): the plugin object with
/// `name` and `cniVersion` set, `capabilities` removed, `runtimeConfig` holding the capability args the plugin
/// declares, and `prevResult` when not null.
nlohmann::json derive_request(const nlohmann::json& plugin, const std::string& network, const std::string& version,
                              const nlohmann::json& capability_args, const nlohmann::json& prev_result);

/// CNI_ARGS text: "K1=V1;K2=V2".
std::string format_cni_args(const std::vector<std::pair<std::string, std::string>>& args);

}  // namespace nexus::runtime
