#include "shared/cni/plugin_main.h"

#include <cctype>
#include <cstdio>
#include <iostream>
#include <iterator>

#include "shared/cni/error_json.h"
#include "shared/cni/validate.h"
#include "shared/cni/version.h"
#include "shared/net/netns.h"

namespace nexus::cni {
namespace {

using nlohmann::json;

std::string env_value(const Environment& env, std::string_view key) {
  const auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

struct VerbRules {
  std::string_view name;
  std::vector<std::string_view> required_env;
  const char* min_version;  // the spec version that introduced the verb
};

const VerbRules* find_verb(std::string_view command) {
  static const std::vector<VerbRules> verbs = {
      {"ADD", {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}, "0.1.0"},
      {"DEL", {"CNI_CONTAINERID", "CNI_IFNAME"}, "0.1.0"},
      {"CHECK", {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}, "0.4.0"},
      {"GC", {}, "1.1.0"},
      {"STATUS", {}, "1.1.0"},
  };
  for (const auto& v : verbs)
    if (v.name == command) return &v;
  return nullptr;
}

std::string read_bounded(std::istream& in) {
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > kMaxStdinBytes)
      throw Error(Code::IoFailure, "network configuration on stdin is larger than " +
                                       std::to_string(kMaxStdinBytes) + " bytes");
  }
  if (in.bad()) throw Error(Code::IoFailure, "failed to read the network configuration from stdin");
  return data;
}

json parse_config(const std::string& data) {
  json config = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded())
    throw Error(Code::DecodeFailure, "failed to decode the network configuration: not valid JSON");
  if (!config.is_object()) throw Error(Code::DecodeFailure, "the network configuration must be a JSON object");
  return config;
}

std::string config_version(const json& config) {
  const auto it = config.find("cniVersion");
  if (it == config.end() || it->is_null()) return "";
  if (!it->is_string()) throw Error(Code::DecodeFailure, "field \"cniVersion\" must be a string, got " + it->dump());
  return it->get<std::string>();
}

void require_env(const VerbRules& verb, const Environment& env) {
  std::string missing;
  for (const auto key : verb.required_env)
    if (env_value(env, key).empty()) missing += (missing.empty() ? "" : ", ") + std::string(key);
  if (!missing.empty())
    throw Error(Code::InvalidEnv, "required environment variables missing for " + std::string(verb.name) + ": " +
                                      missing);
}

Request build_request(const VerbRules& verb, const Environment& env, std::istream& in) {
  require_env(verb, env);
  Request req;
  req.command = verb.name;
  req.container_id = env_value(env, "CNI_CONTAINERID");
  req.netns = env_value(env, "CNI_NETNS");
  req.ifname = env_value(env, "CNI_IFNAME");
  req.cni_path = env_value(env, "CNI_PATH");
  if (!req.container_id.empty()) validate_container_id(req.container_id);
  if (!req.ifname.empty()) validate_ifname(req.ifname);
  req.args = CniArgs::parse(env_value(env, "CNI_ARGS"));
  req.environment = env;
  req.stdin_data = read_bounded(in);
  req.config = parse_config(req.stdin_data);
  req.cni_version = config_version(req.config);
  require_supported_version(req.cni_version.empty() ? "0.1.0" : req.cni_version, "the config's cniVersion");
  if (compare_versions(req.cni_version, verb.min_version) < 0)
    throw Error(Code::IncompatibleVersion,
                "config version " + req.cni_version + " does not allow " + std::string(verb.name),
                std::string(verb.name) + " needs cniVersion " + verb.min_version + " or later");
  return req;
}

// libcni's skel refuses this too (ErrInvalidNetNS): a "container" namespace that is the plugin's own would put
// the container's interface, addresses and routes on the host. Identity, not path: /proc/self/ns/net,
// /proc/1/ns/net and a bind mount of either all name the host. CNI_NETNS_OVERRIDE=1|true lifts it, as in skel
// (for callers that mean it, e.g. an IPAM-only call from the host). A path that does not open is left to the
// verb: DEL must succeed for a namespace already gone.
void require_foreign_netns(const Request& req) {
  if (req.netns.empty() || (req.command != "ADD" && req.command != "CHECK" && req.command != "DEL")) return;
  std::string override = env_value(req.environment, "CNI_NETNS_OVERRIDE");
  for (char& c : override) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (override == "1" || override == "true") return;
  if (net::is_current_netns(req.netns))
    throw Error(Code::InvalidNetns, "plugin's netns and netns from CNI_NETNS should not be the same",
                "CNI_NETNS \"" + req.netns + "\" is the network namespace the plugin runs in, not a container's");
}

void print_version(const Environment&, std::istream& in, std::ostream& out) {
  const std::string data = read_bounded(in);
  std::string requested(kLatestVersion);
  if (data.find_first_not_of(" \t\r\n") != std::string::npos) {
    const std::string v = config_version(parse_config(data));
    if (!v.empty()) requested = v;
  }
  json supported = json::array();
  for (const auto v : kSupportedVersions) supported.push_back(v);
  out << json{{"cniVersion", requested}, {"supportedVersions", supported}}.dump() << '\n';
}

void run_verb(const PluginHandlers& h, const Request& req, std::ostream& out) {
  const auto& c = req.command;
  const std::function<void(const Request&)>* handler =
      c == "DEL" ? &h.del : c == "CHECK" ? &h.check : c == "GC" ? &h.gc : c == "STATUS" ? &h.status : nullptr;
  if (c == "ADD") {
    out << h.add(req).dump() << '\n';
  } else if (handler && *handler) {
    (*handler)(req);
  } else {
    throw Error(Code::InvalidEnv, "CNI_COMMAND " + c + " is not implemented by this plugin");
  }
}

void print_error(std::ostream& out, const std::string& version, Code code, const std::string& msg,
                 const std::string& details) {
  json j = error_json(code, msg, details);
  j["cniVersion"] = is_supported_version(version) ? version : std::string(kLatestVersion);
  out << j.dump() << '\n';
}

}  // namespace

int dispatch(const PluginHandlers& handlers, const Environment& env, std::istream& in, std::ostream& out) {
  std::string version;  // the config's cniVersion once known, for the error's cniVersion
  try {
    const std::string command = env_value(env, "CNI_COMMAND");
    if (command.empty()) throw Error(Code::InvalidEnv, "required environment variable CNI_COMMAND is missing");
    if (command == "VERSION") {
      print_version(env, in, out);
      return 0;
    }
    const VerbRules* verb = find_verb(command);
    if (!verb)
      throw Error(Code::InvalidEnv, "unknown CNI_COMMAND \"" + command + "\"",
                  "expected one of ADD, DEL, CHECK, GC, STATUS, VERSION");
    const Request req = build_request(*verb, env, in);
    version = req.cni_version;
    require_foreign_netns(req);
    run_verb(handlers, req, out);
    return 0;
  } catch (const Error& e) {
    print_error(out, version, e.code(), e.what(), e.details());
  } catch (const nlohmann::json::exception& e) {
    print_error(out, version, Code::DecodeFailure, "failed to decode the network configuration", e.what());
  } catch (const std::exception& e) {
    print_error(out, version, Code::Internal, e.what(), "");
  }
  return 1;
}

int plugin_main(const PluginHandlers& handlers) {
  std::ios::sync_with_stdio(false);
  const int rc = dispatch(handlers, current_environment(), std::cin, std::cout);
  std::cout.flush();
  return rc;
}

}  // namespace nexus::cni
