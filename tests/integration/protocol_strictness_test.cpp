// What libcni's skel and the reference plugins refuse, nexus-bridge and nexus-ipam refuse too, each with its
// CNI code (where the reference says only 999): the error JSON alone on stdout, exit 1, and no change.
#include <doctest/doctest.h>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/host_state.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

const std::string kIpam = nexus_plugin_dir() + "/nexus-ipam";

void check_refused(const PluginRun& r, unsigned code, const std::string& needle) {
  CHECK_MESSAGE(r.exit_code == 1, r.out, r.err);
  CHECK_MESSAGE(r.out.find('\n') == r.out.size() - 1, "one line of JSON: ", r.out);
  CHECK(r.error_code() == code);
  const json j = r.json();
  CHECK_MESSAGE(j.value("msg", "").find(needle) != std::string::npos, r.out);
  CHECK(j.contains("cniVersion"));
}

// The whole observable state (host netns, container netns, files under the lease dir) taken before the refused
// calls; check() requires it unchanged after them.
class Untouched {
 public:
  Untouched(const BridgeEnv& env, const ContainerNetns& container)
      : env_(env), container_(container), host_(capture()), inside_(capture_netns_state(container)) {}
  void check() const {
    CHECK_UNCHANGED(host_, capture());
    CHECK_UNCHANGED(inside_, capture_netns_state(container_));
  }

 private:
  HostState capture() const { return capture_host_state({env_.data.path()}); }
  const BridgeEnv& env_;
  const ContainerNetns& container_;
  HostState host_, inside_;
};

PluginRun run_ipam(const std::string& command, const std::string& netns, const json& conf) {
  return run_plugin(kIpam, {.command = command, .container_id = "c1", .netns = netns, .ifname = "eth0"}, conf);
}

}  // namespace

TEST_CASE("CNI_NETNS naming the plugin's own netns is code 8 for ADD, CHECK and DEL of both plugins" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;  // plugins run inside env.host: its path is "their own netns"
  ContainerNetns container;
  const Untouched untouched(env, container);
  const json conf = env.config("10.55.0.0/24");
  json check_conf = conf;
  check_conf["prevResult"] = json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"10.55.0.2/24"}]})");
  for (const std::string& own : {env.host.path(), std::string("/proc/self/ns/net")}) {
    CAPTURE(own);
    check_refused(env.run("ADD", "c1", own, conf), 8, "should not be the same");
    check_refused(env.run("CHECK", "c1", own, check_conf), 8, "should not be the same");
    check_refused(env.run("DEL", "c1", own, conf), 8, "should not be the same");
    for (const char* verb : {"ADD", "DEL"}) check_refused(run_ipam(verb, own, conf), 8, "should not be the same");
    untouched.check();
  }
  // An attachment made properly is left alone by a DEL that names the host.
  REQUIRE(env.run("ADD", "c1", container.path(), conf).exit_code == 0);
  check_refused(env.run("DEL", "c1", env.host.path(), conf), 8, "should not be the same");
  CHECK(env.lease_count() == 1);
  CHECK(env.host_veths().size() == 1);
  CHECK(has_link_in(container, "eth0"));
  CHECK(env.run("DEL", "c1", container.path(), conf).exit_code == 0);
}

TEST_CASE("nexus-bridge: hairpinMode and promiscMode together are code 7" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns container;
  const Untouched untouched(env, container);
  const json conf = env.config("10.56.0.0/24", {{"hairpinMode", true}, {"promiscMode", true}});
  for (const char* verb : {"ADD", "DEL"}) check_refused(env.run(verb, "c1", container.path(), conf), 7,
                                                        "hairpinMode and promiscMode cannot both be true");
  untouched.check();
  for (const char* one : {"hairpinMode", "promiscMode"}) {  // either alone is fine
    json alone = env.config("10.56.0.0/24", {{one, true}});
    CHECK(env.run("ADD", "c1", container.path(), alone).exit_code == 0);
    CHECK(env.run("DEL", "c1", container.path(), alone).exit_code == 0);
  }
}

TEST_CASE("a subnet with host bits set is code 7 naming the network meant" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns container;
  const Untouched untouched(env, container);
  const json conf = env.config("10.57.0.5/24");
  const std::string meant = "10.57.0.5/24 has host bits set; did you mean 10.57.0.0/24?";
  check_refused(env.run("ADD", "c1", container.path(), conf), 7, meant);
  check_refused(run_ipam("ADD", container.path(), conf), 7, meant);
  json v6 = env.config("fd00:57::9/64");
  check_refused(run_ipam("ADD", container.path(), v6), 7, "did you mean fd00:57::/64?");
  json ip_ranges = env.config("10.57.0.0/24");  // the ipRanges capability is parsed the same way
  ip_ranges["runtimeConfig"] = {{"ipRanges", json::parse(R"([[{"subnet":"10.58.0.1/16"}]])")}};
  check_refused(run_ipam("ADD", container.path(), ip_ranges), 7, "did you mean 10.58.0.0/16?");
  untouched.check();
}

TEST_CASE("nexus-ipam without an ipam object is code 7; ipam naming only nexus-ipam is the default network" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns container;
  const Untouched untouched(env, container);
  json conf = env.config();
  conf.erase("ipam");
  check_refused(run_ipam("ADD", container.path(), conf), 7, "missing \"ipam\"");
  check_refused(run_ipam("DEL", container.path(), conf), 7, "missing \"ipam\"");
  conf["ipam"] = {{"type", "host-local"}, {"dataDir", env.data.path()}};  // written for another plugin
  check_refused(run_ipam("ADD", container.path(), conf), 7, "missing ipam.ranges");
  untouched.check();
  conf["ipam"]["type"] = "nexus-ipam";
  const PluginRun r = run_ipam("ADD", container.path(), conf);
  REQUIRE_MESSAGE(r.exit_code == 0, r.out);
  CHECK(r.json()["ips"][0]["address"] == "10.0.42.2/24");
}

TEST_CASE("a config without type is code 7 for both plugins" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns container;
  const Untouched untouched(env, container);
  for (const json& type : {json(nullptr), json("")}) {
    json conf = env.config("10.59.0.0/24");
    if (type.is_null()) conf.erase("type");
    else conf["type"] = type;
    const std::string sent = conf.dump();  // CAPTURE keeps a reference: not to a temporary
    CAPTURE(sent);
    for (const char* verb : {"ADD", "DEL"}) {
      check_refused(env.run(verb, "c1", container.path(), conf), 7, "missing required field \"type\"");
      check_refused(run_ipam(verb, container.path(), conf), 7, "missing required field \"type\"");
    }
  }
  untouched.check();
}
