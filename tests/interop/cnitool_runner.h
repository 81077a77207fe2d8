#pragma once
// cnitool (tests/interop/cnitool, on libcni) run as the interop tests run it: against temp dirs only.
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/interop/interop_support.h"
#include "tests/testutil/command.h"
#include "tests/testutil/plugin_runner.h"
#include "tests/testutil/temp_dir.h"

namespace nexus::testutil::interop {

/// A conflist directory (NETCONFPATH), an ipam data dir and a libcni cache dir, all temporary, and cnitool
/// runs against them with CNI_PATH = our build dir, then the reference plugins. cnitool is built once per test
/// run; a failed build throws, failing the test with the build's output.
class Cnitool {
 public:
  /// Writes `list` as <netconf dir>/<name>.conflist.
  void write(const nlohmann::json& list) const {
    std::ofstream(netconf_.path() + "/" + list["name"].get<std::string>() + ".conflist") << list.dump(2);
  }
  CommandResult run(const std::string& command, const std::string& network, const std::string& netns,
                    const std::map<std::string, std::string>& extra_env = {}) const {
    CommandOptions options{.clear_env = true, .timeout_ms = 20000};
    options.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NETCONFPATH=" + netconf_.path(),
                   "CNI_PATH=" + default_cni_path(), "CNI_CACHE_DIR=" + cache_.path(),
                   "CNI_CONTAINERID=interop-" + network};
    for (const auto& [key, value] : extra_env) options.env.push_back(key + "=" + value);
    std::vector<std::string> argv{cnitool_path(), command, network};
    if (!netns.empty()) argv.push_back(netns);
    return run_command(argv, options);
  }
  const std::string& data_dir() const { return data_.path(); }
  /// libcni's cached results (cache dir/results), which DEL must remove.
  std::vector<std::string> cached_results() const { return list_dir(cache_.path() + "/results"); }

 private:
  TempDir netconf_, data_, cache_;
};

}  // namespace nexus::testutil::interop
