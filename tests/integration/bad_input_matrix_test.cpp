// Bad input to nexus-bridge and nexus-ipam, one table for both: each case must get its exact CNI error code,
// a non-zero exit, the error JSON (cniVersion, code, msg) alone on stdout, and leave everything as it was: the
// host netns's and the container's whole observable state (tests/testutil/host_state.h) and every file under
// the data dir's parent, where the "..", relative-path and traversal cases would write if they wrote anything.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <set>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

enum class Plugin { Bridge, Ipam };
constexpr Plugin kBoth[] = {Plugin::Bridge, Plugin::Ipam};

const char* name_of(Plugin p) { return p == Plugin::Bridge ? "nexus-bridge" : "nexus-ipam"; }

struct Case {
  std::string what;
  Plugin plugin;
  std::string verb;
  std::function<void(PluginCall&)> env_edit;  // applied to a complete, valid call
  std::string stdin_data;
  unsigned code;
};

// Runs the plugins with the working directory in the test's own tree, so a relative dataDir that escaped
// validation would land where the snapshot sees it (and not in the build dir). Single-threaded test: chdir is safe.
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::string& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~ScopedCwd() { std::filesystem::current_path(old_); }
  ScopedCwd(const ScopedCwd&) = delete;
  ScopedCwd& operator=(const ScopedCwd&) = delete;

 private:
  std::filesystem::path old_;
};

class Matrix {
 public:
  // The data dir is <root>/data, so its parent is a tree only this test writes: the snapshot covers all of it.
  Matrix() : data_dir_(root_.path() + "/data") {
    std::filesystem::create_directory(data_dir_);
    host_before_ = capture_host_state({root_.path()});
    container_before_ = capture_netns_state(container_);
  }

  /// The valid config of `plugin` with `patch` merged in (RFC 7386: a null removes a key).
  json config(Plugin p, const json& patch = json::object(), const std::string& version = "1.1.0") const {
    json conf = env_.config("10.68.0.0/24", {{"ipMasq", true}}, version);
    conf["ipam"]["dataDir"] = data_dir_;
    if (p == Plugin::Ipam) conf["type"] = "nexus-bridge";  // the ipam plugin gets its parent's config
    conf.merge_patch(patch);
    return conf;
  }
  std::string conf_text(Plugin p, const json& patch = json::object(), const std::string& version = "1.1.0") const {
    return config(p, patch, version).dump();
  }
  std::string ipam_patch(Plugin p, const json& ipam) const { return conf_text(p, {{"ipam", ipam}}); }
  const std::string& data_dir() const { return data_dir_; }
  const ContainerNetns& container() const { return container_; }

  void run(const Case& k) const {
    CAPTURE(k.what);
    const std::string plugin = name_of(k.plugin);
    CAPTURE(plugin);
    CAPTURE(k.verb);
    PluginCall call{.command = k.verb, .container_id = "c1", .netns = container_.path(), .ifname = "eth0"};
    if (k.env_edit) k.env_edit(call);
    const auto r = [&] {
      ScopedCwd cwd(root_.path());
      return run_plugin(nexus_plugin_dir() + "/" + name_of(k.plugin), call, k.stdin_data);
    }();
    CHECK_MESSAGE(r.exit_code == 1, r.out << r.err);
    check_error_json(r.out, k.code);
    check_unchanged();
  }

 private:
  static void check_error_json(const std::string& out, unsigned code) {
    REQUIRE_MESSAGE(!out.empty(), "nothing on stdout");
    CHECK_MESSAGE(out.find('\n') == out.size() - 1, "one line of JSON: " << out);
    const json j = json::parse(out, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), "stdout is not a JSON object: " << out);
    CHECK_MESSAGE(j.value("code", 0u) == code, out);
    CHECK((j.contains("cniVersion") && j["cniVersion"].is_string()));
    CHECK((j.contains("msg") && j["msg"].is_string() && j["msg"].get<std::string>().size() > 5));
    static const std::set<std::string> kKeys = {"cniVersion", "code", "msg", "details"};
    for (const auto& [key, value] : j.items()) CHECK_MESSAGE(kKeys.count(key) == 1, key);
  }

  // Every case is compared with the state before the first: a change any case makes shows up at that case.
  void check_unchanged() const {
    CHECK_UNCHANGED(host_before_, capture_host_state({root_.path()}));
    CHECK_UNCHANGED(container_before_, capture_netns_state(container_));
  }

  BridgeEnv env_;
  ContainerNetns container_;
  TempDir root_;
  std::string data_dir_;
  HostState host_before_;
  HostState container_before_;
};

auto unset(std::string PluginCall::*field) {
  return [field](PluginCall& c) { c.*field = ""; };
}
auto set_empty(const char* var) {
  return [var](PluginCall& c) { c.extra_env[var] = ""; };
}
auto set_var(const char* var, std::string value) {
  return [var, value](PluginCall& c) { c.extra_env[var] = value; };
}

// Every variable a verb requires, missing and empty (code 4), and CNI_COMMAND itself.
void add_environment_cases(const Matrix& m, std::vector<Case>& cases) {
  const std::pair<const char*, std::string PluginCall::*> vars[] = {{"CNI_CONTAINERID", &PluginCall::container_id},
                                                                   {"CNI_NETNS", &PluginCall::netns},
                                                                   {"CNI_IFNAME", &PluginCall::ifname}};
  for (const Plugin p : kBoth) {
    const std::string conf = m.conf_text(p);
    cases.push_back({"CNI_COMMAND missing", p, "", nullptr, conf, 4});
    cases.push_back({"CNI_COMMAND empty", p, "ADD", set_empty("CNI_COMMAND"), conf, 4});
    cases.push_back({"CNI_COMMAND unknown", p, "ATTACH", nullptr, conf, 4});
    cases.push_back({"CNI_COMMAND lower case", p, "add", nullptr, conf, 4});
    for (const char* verb : {"ADD", "DEL", "CHECK"})
      for (const auto& [var, field] : vars) {
        if (std::string(verb) == "DEL" && std::string(var) == "CNI_NETNS") continue;  // DEL works without it
        cases.push_back({std::string(var) + " missing", p, verb, unset(field), conf, 4});
        cases.push_back({std::string(var) + " empty", p, verb, set_empty(var), conf, 4});
      }
    for (const char* verb : {"ADD", "DEL"}) {
      cases.push_back({"container ID with path traversal", p, verb, set_var("CNI_CONTAINERID", "../../etc"), conf, 4});
      cases.push_back({"container ID with a slash", p, verb, set_var("CNI_CONTAINERID", "a/b"), conf, 4});
      cases.push_back({"ifname too long", p, verb, set_var("CNI_IFNAME", "eth0123456789abc"), conf, 4});
      cases.push_back({"ifname with a slash", p, verb, set_var("CNI_IFNAME", "../x"), conf, 4});
      cases.push_back({"unknown CNI_ARGS key", p, verb, set_var("CNI_ARGS", "FOO=1"), conf, 4});
      cases.push_back({"malformed CNI_ARGS", p, verb, set_var("CNI_ARGS", "IP"), conf, 4});
    }
  }
}

// Input that is not a usable network configuration, whatever the plugin.
void add_decoding_cases(const Matrix& m, std::vector<Case>& cases) {
  const std::string huge = [&] {
    json c = m.config(Plugin::Bridge);
    c["padding"] = std::string((4 << 20) + 1, 'x');
    return c.dump();
  }();
  for (const Plugin p : kBoth) {
    for (const char* verb : {"ADD", "DEL"}) {
      cases.push_back({"empty stdin", p, verb, nullptr, "", 6});
      cases.push_back({"not JSON", p, verb, nullptr, "{", 6});
      cases.push_back({"a JSON array", p, verb, nullptr, "[]", 6});
      cases.push_back({"invalid UTF-8", p, verb, nullptr, "{\"name\":\"\xff\"}", 6});
      cases.push_back({"input over 4 MiB", p, verb, nullptr, huge, 5});
      cases.push_back({"cniVersion a number", p, verb, nullptr, m.conf_text(p, {{"cniVersion", 1}}), 6});
      cases.push_back({"cniVersion unknown", p, verb, nullptr, m.conf_text(p, {{"cniVersion", "9.9.9"}}), 1});
      cases.push_back({"cniVersion too old", p, verb, nullptr, m.conf_text(p, {{"cniVersion", "0.2.0"}}), 1});
      cases.push_back({"name missing", p, verb, nullptr, m.conf_text(p, {{"name", nullptr}}), 7});
      cases.push_back({"name a number", p, verb, nullptr, m.conf_text(p, {{"name", 5}}), 6});
      cases.push_back({"path traversal in name", p, verb, nullptr, m.conf_text(p, {{"name", "../../etc"}}), 7});
      cases.push_back({"ipam not an object", p, verb, nullptr, m.conf_text(p, {{"ipam", "nexus-ipam"}}), 6});
    }
    cases.push_back({"GC before 1.1.0", p, "GC", nullptr, m.conf_text(p, json::object(), "1.0.0"), 1});
    cases.push_back({"GC without valid-attachments", p, "GC", nullptr, m.conf_text(p), 7});
    cases.push_back({"GC with a bad valid-attachments entry", p, "GC", nullptr,
                     m.conf_text(p, {{"cni.dev/valid-attachments", {"c1"}}}), 6});
    cases.push_back({"STATUS before 1.1.0", p, "STATUS", nullptr, m.conf_text(p, json::object(), "1.0.0"), 1});
  }
}

// IPAM configuration errors: nexus-ipam refuses them, and nexus-bridge passes its refusal on.
void add_ipam_cases(const Matrix& m, std::vector<Case>& cases) {
  const std::string d = m.data_dir();
  const auto ranges = [&](const char* text) { return json{{"type", "nexus-ipam"}, {"dataDir", d}, {"ranges", json::parse(text)}}; };
  const auto route = [&](const char* key, const json& value) {
    return json{{"type", "nexus-ipam"}, {"dataDir", d}, {"ranges", json::parse(R"([[{"subnet":"10.68.0.0/24"}]])")},
                {"routes", {{{"dst", "10.69.0.0/16"}, {key, value}}}}};
  };
  const std::vector<std::pair<const char*, std::pair<json, unsigned>>> ipam = {
      {"subnet prefix too long", {ranges(R"([[{"subnet":"10.68.0.0/33"}]])"), 7}},
      {"subnet not a CIDR", {ranges(R"([[{"subnet":"banana"}]])"), 7}},
      {"subnet without prefix", {ranges(R"([[{"subnet":"10.68.0.0"}]])"), 7}},
      // Range fields of the wrong type are 7 (shared/ipam/range.cpp), where other wrong types are 6.
      {"subnet a number", {ranges(R"([[{"subnet":10}]])"), 7}},
      {"subnet too small for an address", {ranges(R"([[{"subnet":"10.68.0.0/31"}]])"), 7}},
      {"overlapping range sets", {ranges(R"([[{"subnet":"10.68.0.0/24"}],[{"subnet":"10.68.0.0/25"}]])"), 7}},
      {"overlapping ranges in a set",
       {ranges(R"([[{"subnet":"10.68.0.0/24"},{"subnet":"10.68.0.0/24","rangeStart":"10.68.0.100"}]])"), 7}},
      {"mixed families in a set", {ranges(R"([[{"subnet":"10.68.0.0/24"},{"subnet":"fd00:68::/64"}]])"), 7}},
      {"rangeStart outside the subnet", {ranges(R"([[{"subnet":"10.68.0.0/24","rangeStart":"10.69.0.5"}]])"), 7}},
      {"legacy subnet with rangeStart outside",
       {json{{"type", "nexus-ipam"}, {"dataDir", d}, {"ranges", nullptr}, {"subnet", "10.68.0.0/24"},
             {"rangeStart", "10.69.0.1"}}, 7}},
      {"rangeEnd outside the subnet", {ranges(R"([[{"subnet":"10.68.0.0/24","rangeEnd":"10.69.0.5"}]])"), 7}},
      {"rangeStart after rangeEnd",
       {ranges(R"([[{"subnet":"10.68.0.0/24","rangeStart":"10.68.0.50","rangeEnd":"10.68.0.40"}]])"), 7}},
      {"rangeStart not an address", {ranges(R"([[{"subnet":"10.68.0.0/24","rangeStart":"10.68.0"}]])"), 7}},
      {"gateway outside the subnet", {ranges(R"([[{"subnet":"10.68.0.0/24","gateway":"10.69.0.1"}]])"), 7}},
      {"empty range set", {ranges(R"([[]])"), 7}},
      {"ranges a string", {ranges(R"("10.68.0.0/24")"), 6}},
      {"route dst not a CIDR",
       {json{{"type", "nexus-ipam"}, {"dataDir", d}, {"subnet", "10.68.0.0/24"}, {"ranges", nullptr}, {"routes", {{{"dst", "x"}}}}}, 7}},
      {"route mtu a string", {route("mtu", "1400"), 6}},
      {"route table a fraction", {route("table", 1.5), 6}},
      {"route priority negative", {route("priority", -1), 7}},
      {"route advmss above 32 bits", {route("advmss", 4294967296u), 7}},
      {"route scope above 255", {route("scope", 256), 7}},
      {"route link scope with a gw",
       {json{{"type", "nexus-ipam"}, {"dataDir", d}, {"ranges", json::parse(R"([[{"subnet":"10.68.0.0/24"}]])")},
             {"routes", {{{"dst", "10.69.0.0/16"}, {"gw", "10.68.0.1"}, {"scope", 253}}}}}, 7}},
      {"relative dataDir", {json{{"type", "nexus-ipam"}, {"dataDir", "var/lib/x"}}, 7}},
      {"dataDir climbing out with ..", {json{{"type", "nexus-ipam"}, {"dataDir", d + "/../escape"}}, 7}},
      {"dataDir a number", {json{{"type", "nexus-ipam"}, {"dataDir", 5}}, 6}},
  };
  for (const Plugin p : kBoth)
    for (const auto& [what, spec] : ipam) cases.push_back({what, p, "ADD", nullptr, m.ipam_patch(p, spec.first), spec.second});
  for (const Plugin p : kBoth) {
    cases.push_back({"IP= outside the range", p, "ADD", set_var("CNI_ARGS", "IP=10.69.0.5"), m.conf_text(p), 7});
    cases.push_back({"IP= the gateway", p, "ADD", set_var("CNI_ARGS", "IP=10.68.0.1"), m.conf_text(p), 7});
    cases.push_back({"IP= not an address", p, "ADD", set_var("CNI_ARGS", "IP=10.68.0.300"), m.conf_text(p), 7});
    cases.push_back({"runtimeConfig ips outside the range", p, "ADD", nullptr,
                     m.conf_text(p, {{"runtimeConfig", {{"ips", {"10.69.0.5/24"}}}}}), 7});
    // ipRanges come before the configured ranges, so overlapping one of them is refused as host-local does.
    const json overlapping = json::parse(R"([[{"subnet":"10.68.0.128/25"}]])");
    cases.push_back({"runtimeConfig ipRanges overlapping the configured range", p, "ADD", nullptr,
                     m.conf_text(p, {{"runtimeConfig", {{"ipRanges", overlapping}}}}), 7});
    cases.push_back({"runtimeConfig ipRanges a string", p, "ADD", nullptr,
                     m.conf_text(p, {{"runtimeConfig", {{"ipRanges", "10.70.0.0/24"}}}}), 6});
  }
}

// nexus-bridge's own keys and the container side.
void add_bridge_cases(const Matrix& m, std::vector<Case>& cases) {
  const Plugin b = Plugin::Bridge;
  const auto with = [&](const json& patch) { return m.conf_text(b, patch); };
  const std::vector<std::tuple<const char*, std::string, unsigned>> conf_cases = {
      {"bridge a number", with({{"bridge", 5}}), 6},
      {"bridge name too long", with({{"bridge", "a-very-long-bridge-name"}}), 7},
      {"bridge name with a slash", with({{"bridge", "br/0"}}), 7},
      {"ipMasq a string", with({{"ipMasq", "yes"}}), 6},
      {"isGateway a number", with({{"isGateway", 1}}), 6},
      {"vlan out of range", with({{"vlan", 4095}}), 7},
      {"vlan negative", with({{"vlan", -1}}), 7},
      {"vlan a string", with({{"vlan", "10"}}), 6},
      {"vlanTrunk overlapping ranges", with({{"vlanTrunk", json::parse(R"([{"minID":10,"maxID":20},{"minID":15,"maxID":30}])")}}), 7},
      {"vlanTrunk id repeated", with({{"vlanTrunk", json::parse(R"([{"id":10},{"id":10}])")}}), 7},
      {"vlanTrunk id out of range", with({{"vlanTrunk", json::parse(R"([{"id":4095}])")}}), 7},
      {"vlanTrunk minID above maxID", with({{"vlanTrunk", json::parse(R"([{"minID":20,"maxID":10}])")}}), 7},
      {"vlanTrunk minID without maxID", with({{"vlanTrunk", json::parse(R"([{"minID":20}])")}}), 7},
      {"vlanTrunk not a list", with({{"vlanTrunk", {{"id", 10}}}}), 6},
      {"vlanTrunk id a string", with({{"vlanTrunk", json::parse(R"([{"id":"10"}])")}}), 6},
      {"preserveDefaultVlan a string", with({{"preserveDefaultVlan", "true"}}), 6},
      {"portIsolation a string", with({{"portIsolation", "true"}}), 6},
      {"portIsolation a number", with({{"portIsolation", 1}}), 6},
      {"portIsolation an object", with({{"portIsolation", {{"on", true}}}}), 6},
      {"macspoofchk a string", with({{"macspoofchk", "yes"}}), 6},
      {"macspoofchk a number", with({{"macspoofchk", 1}}), 6},
      {"nonMasqueradeCIDRs not a list", with({{"nonMasqueradeCIDRs", "10.244.0.0/16"}}), 6},
      {"nonMasqueradeCIDRs with a number", with({{"nonMasqueradeCIDRs", json::parse(R"(["10.244.0.0/16",7])")}}), 6},
      {"nonMasqueradeCIDRs entry without a length", with({{"nonMasqueradeCIDRs", json::parse(R"(["10.244.0.0"])")}}), 7},
      {"nonMasqueradeCIDRs entry length 33", with({{"nonMasqueradeCIDRs", json::parse(R"(["10.244.0.0/16","10.0.0.0/33"])")}}), 7},
      {"mtu out of range", with({{"mtu", 10}}), 7},
      {"mtu a string", with({{"mtu", "1500"}}), 6},
      {"ipMasqBackend iptables (nftables only)", with({{"ipMasqBackend", "iptables"}}), 2},
      {"ipMasqBackend unknown", with({{"ipMasqBackend", "ebtables"}}), 7},
      {"ipMasqBackend a boolean", with({{"ipMasqBackend", true}}), 6},
      {"disableContainerInterface with ipam", with({{"disableContainerInterface", true}}), 7},
      {"disableContainerInterface a string", with({{"disableContainerInterface", "true"}}), 6},
      {"runtimeConfig dns servers a string", with({{"runtimeConfig", {{"dns", {{"servers", "10.0.0.53"}}}}}}), 6},
      {"runtimeConfig dns searches of numbers", with({{"runtimeConfig", {{"dns", {{"searches", {1, 2}}}}}}}), 6},
      {"runtimeConfig dns not an object", with({{"runtimeConfig", {{"dns", "10.0.0.53"}}}}), 6},
      {"portMappings hostPort 0", with({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":0,"containerPort":80}])")}}}}), 7},
      {"portMappings containerPort 70000", with({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":8080,"containerPort":70000}])")}}}}), 7},
      {"portMappings hostPort a string", with({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":"8080","containerPort":80}])")}}}}), 6},
      {"portMappings protocol icmp", with({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":8080,"containerPort":80,"protocol":"icmp"}])")}}}}), 7},
      {"portMappings hostIP not an address", with({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":8080,"containerPort":80,"hostIP":"300.1.1.1"}])")}}}}), 7},
      {"portMappings hostIP a number", with({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":8080,"containerPort":80,"hostIP":1}])")}}}}), 6},
      {"portMappings not a list", with({{"runtimeConfig", {{"portMappings", {{"hostPort", 8080}}}}}}), 6},
      {"portMappings a host port twice", with({{"runtimeConfig", {{"portMappings", json::parse(R"([{"hostPort":8080,"containerPort":80},{"hostPort":8080,"containerPort":81,"protocol":"TCP"}])")}}}}), 7},
      {"ipam type with a slash", with({{"ipam", {{"type", "../nexus-ipam"}}}}), 7},
      {"ipam type absolute", with({{"ipam", {{"type", "/usr/lib/cni/host-local"}}}}), 7},
      {"ipam type not in CNI_PATH", with({{"ipam", {{"type", "no-such-ipam"}}}}), 7},
      {"multicast MAC in runtimeConfig", with({{"runtimeConfig", {{"mac", "01:00:5e:00:00:01"}}}}), 7},
      {"invalid MAC in args", with({{"args", {{"cni", {{"mac", "00:11:22:33:44"}}}}}}), 7},
  };
  for (const auto& [what, text, code] : conf_cases) cases.push_back({what, b, "ADD", nullptr, text, code});
  const std::string conf = m.conf_text(b);
  cases.push_back({"invalid MAC in CNI_ARGS", b, "ADD", set_var("CNI_ARGS", "MAC=zz:00:00:00:00:00"), conf, 4});
  cases.push_back({"netns path that is not a netns", b, "ADD", set_var("CNI_NETNS", "/etc/passwd"), conf, 8});
  cases.push_back({"netns path that is a directory", b, "ADD", set_var("CNI_NETNS", "/run/netns"), conf, 8});
  cases.push_back({"netns path missing", b, "ADD", set_var("CNI_NETNS", "/run/netns/does-not-exist"), conf, 8});
  cases.push_back({"netns path relative", b, "ADD", set_var("CNI_NETNS", "run/netns/x"), conf, 8});
  cases.push_back({"CHECK without prevResult", b, "CHECK", nullptr, conf, 7});
}

}  // namespace

// No doctest::timeout: a wall-clock bound flakes under ASan on a loaded machine; ctest's per-case timeout
// catches a hang (tests/CMakeLists.txt).
TEST_CASE("bad input: every case gets its exact error and changes nothing" * doctest::skip(skip_root_tests())) {
  Matrix m;
  std::vector<Case> cases;
  add_environment_cases(m, cases);
  add_decoding_cases(m, cases);
  add_ipam_cases(m, cases);
  add_bridge_cases(m, cases);
  for (const auto& k : cases) m.run(k);
  MESSAGE(cases.size() << " bad inputs checked");
}
