// A whole plugin invocation minus its side effects: the fuzzer's bytes are stdin of nexus::cni::dispatch for
// ADD, DEL, CHECK and GC, with handlers that only parse, with nexus-ipam's and nexus-bridge's real config
// parsers. dispatch must answer with exit code 0 or 1 and one line of JSON; since nothing touches the system,
// an error with code 999 (internal) means some parser threw something other than nexus::Error.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fuzz/finding.h"
#include "shared/base/error.h"
#include "shared/bridge_conf/bridge_conf.h"
#include "shared/cni/net_conf.h"
#include "shared/cni/plugin_main.h"
#include "shared/ipam_plugin/ipam_conf.h"

using nexus::fuzz::finding;
using nlohmann::json;
namespace cni = nexus::cni;

namespace {

template <class Conf>
cni::PluginHandlers parsing_handlers() {
  const auto parse = [](const cni::Request& req) { (void)Conf::parse(req); };
  const auto gc = [](const cni::Request& req) {
    (void)Conf::parse(req);
    (void)cni::valid_attachments(req.config);
  };
  return {.add = [](const cni::Request& req) { (void)Conf::parse(req); return json{{"cniVersion", req.cni_version}}; },
          .del = parse, .check = parse, .gc = gc, .status = parse};
}

// ipam.resolvConf names a file to read: point it at /dev/null so the fuzzer cannot make us read the disk (or
// block on a fifo). Every other byte reaches dispatch unchanged.
std::string without_disk_paths(std::string input) {
  json j = json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ipam") || !j["ipam"].is_object()) return input;
  auto& ipam = j["ipam"];
  if (!ipam.contains("resolvConf") || !ipam["resolvConf"].is_string()) return input;
  ipam["resolvConf"] = "/dev/null";
  return j.dump();
}

cni::Environment environment(const char* command, size_t variant) {
  cni::Environment env = {{"CNI_COMMAND", command},          {"CNI_CONTAINERID", "fuzz-container"},
                          {"CNI_NETNS", "/run/netns/fuzz"}, {"CNI_IFNAME", "eth0"},
                          {"CNI_PATH", "/nonexistent"}};
  if (variant % 2) env["CNI_ARGS"] = "IgnoreUnknown=1;IP=10.0.42.7;MAC=0a:58:0a:00:2a:07;K8S_POD_NAME=fuzz";
  return env;
}

void run(const cni::PluginHandlers& handlers, const cni::Environment& env, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out;
  const int rc = cni::dispatch(handlers, env, in, out);
  const std::string text = out.str();
  static const bool verbose = std::getenv("NEXUS_FUZZ_VERBOSE") != nullptr;  // to see what seeds reach
  if (verbose) std::fprintf(stderr, "%s rc=%d %s\n", env.at("CNI_COMMAND").c_str(), rc, text.c_str());
  if (rc != 0 && rc != 1) finding("exit code " + std::to_string(rc));
  if (rc == 0 && env.at("CNI_COMMAND") != "ADD") {  // success of DEL, CHECK and GC prints nothing
    if (!text.empty()) finding("output after a successful " + env.at("CNI_COMMAND") + ": " + text);
    return;
  }
  if (text.empty() || text.back() != '\n' || text.find('\n') != text.size() - 1)
    finding("output is not one line: " + text);
  const json answer = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object()) finding("output is not a JSON object: " + text);
  if (rc == 1 && (!answer.contains("code") || !answer.contains("msg"))) finding("error without code/msg: " + text);
  if (rc == 1 && answer["code"] == static_cast<unsigned>(nexus::Code::Internal))
    finding("a parser threw something other than nexus::Error: " + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  static const std::array<cni::PluginHandlers, 2> plugins = {parsing_handlers<nexus::ipam_plugin::IpamConf>(),
                                                             parsing_handlers<nexus::bridge_plugin::BridgeConf>()};
  const std::string input = without_disk_paths(std::string(nexus::fuzz::as_text(data, size)));
  for (const char* command : {"ADD", "DEL", "CHECK", "GC"})
    for (const auto& handlers : plugins) run(handlers, environment(command, size), input);
  return 0;
}
