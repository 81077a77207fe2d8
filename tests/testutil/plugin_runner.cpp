#include "tests/testutil/plugin_runner.h"

#include <doctest/doctest.h>

namespace nexus::testutil {

std::string nexus_plugin_dir() { return NEXUS_BUILD_DIR; }

std::string default_cni_path() { return nexus_plugin_dir() + ":" + kReferencePluginDir; }

nlohmann::json PluginRun::json() const {
  if (out.find_first_not_of(" \n") == std::string::npos) return nlohmann::json::object();
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) FAIL("plugin printed something that is not JSON: " << out << "\nstderr: " << err);
  return j;
}

unsigned PluginRun::error_code() const {
  const auto j = json();
  return j.contains("code") && j["code"].is_number_unsigned() ? j["code"].get<unsigned>() : 0;
}

nlohmann::json with_prev(nlohmann::json conf, const PluginRun& add) {
  conf["prevResult"] = add.json();
  return conf;
}

PluginRun run_plugin(const std::string& plugin_path, const PluginCall& call, const std::string& config) {
  CommandOptions options;
  options.clear_env = true;
  options.stdin_data = config;
  options.env.push_back("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  const std::pair<const char*, const std::string*> vars[] = {
      {"CNI_COMMAND", &call.command}, {"CNI_CONTAINERID", &call.container_id}, {"CNI_NETNS", &call.netns},
      {"CNI_IFNAME", &call.ifname},   {"CNI_ARGS", &call.args},                 {"CNI_PATH", &call.cni_path}};
  for (const auto& [key, value] : vars)
    if (!value->empty()) options.env.push_back(std::string(key) + "=" + *value);
  for (const auto& [key, value] : call.extra_env) options.env.push_back(key + "=" + value);
  const CommandResult r = run_command({plugin_path}, options);
  return {r.exit_code, r.out, r.err};
}

}  // namespace nexus::testutil
