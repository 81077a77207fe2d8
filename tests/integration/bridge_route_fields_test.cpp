// IPAM route fields of CNI 1.1.0 (priority, table, scope, mtu, advmss) through nexus-ipam and nexus-bridge: the
// container's routes carry them (read back with `ip -d route show table all`), the 1.1.0 result returns them,
// CHECK compares them, DEL leaves no route behind in another table; older versions neither return nor apply them.
#include <doctest/doctest.h>

#include <sstream>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

// One route of each kind the fields make: metric and path metrics in main, another table, a link-scoped one.
const json kRoutes = json::parse(R"([
  {"dst": "10.60.0.0/16", "priority": 77, "mtu": 1400, "advmss": 1360},
  {"dst": "10.61.0.0/16", "table": 100},
  {"dst": "10.62.0.0/16", "scope": 253}
])");

json config_with_routes(const BridgeEnv& env, const std::string& version) {
  json conf = env.config("10.70.0.0/24", {}, version);
  conf["ipam"]["routes"] = kRoutes;
  return conf;
}

// The words of the container route line for `dst` in `ip -d route show table all`, empty if there is none.
std::vector<std::string> route_words(const ContainerNetns& c, const std::string& dst) {
  std::istringstream lines(inspect_in(c, "ip -d route show table all"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.size() > 1 && words[0] == "unicast" && words[1] == dst) return words;
  }
  return {};
}

// The word after `key` in `words` ("" when `key` is absent).
std::string value_of(const std::vector<std::string>& words, const std::string& key) {
  for (size_t i = 0; i + 1 < words.size(); ++i)
    if (words[i] == key) return words[i + 1];
  return "";
}

const json* result_route(const json& result, const std::string& dst) {
  for (const auto& r : result["routes"])
    if (r["dst"] == dst) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("bridge: route priority, table, scope, mtu and advmss are applied in the container and returned for 1.1.0" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  const json conf = config_with_routes(env, "1.1.0");
  const PluginRun add = env.run("ADD", "c1", c.path(), conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);

  const auto metrics = route_words(c, "10.60.0.0/16");
  const std::string all_routes = inspect_in(c, "ip -d route show table all");
  CAPTURE(all_routes);
  REQUIRE_FALSE(metrics.empty());
  CHECK(value_of(metrics, "via") == "10.70.0.1");
  CHECK(value_of(metrics, "metric") == "77");
  CHECK(value_of(metrics, "mtu") == "1400");
  CHECK(value_of(metrics, "advmss") == "1360");
  CHECK(value_of(metrics, "table") == "main");
  const auto other_table = route_words(c, "10.61.0.0/16");
  REQUIRE_FALSE(other_table.empty());
  CHECK(value_of(other_table, "table") == "100");
  CHECK(value_of(other_table, "via") == "10.70.0.1");
  CHECK(inspect_in(c, "ip route show table main 10.61.0.0/16").empty());
  const auto on_link = route_words(c, "10.62.0.0/16");
  REQUIRE_FALSE(on_link.empty());
  CHECK(value_of(on_link, "scope") == "link");
  CHECK(value_of(on_link, "table") == "main");
  CHECK(value_of(on_link, "via") == "");  // link scope: on the link, no gateway filled in

  const json r = add.json();
  const json* with_metrics = result_route(r, "10.60.0.0/16");
  REQUIRE(with_metrics);
  CHECK(*with_metrics == json{{"dst", "10.60.0.0/16"}, {"gw", "10.70.0.1"}, {"priority", 77}, {"mtu", 1400},
                              {"advmss", 1360}});
  const json* in_table = result_route(r, "10.61.0.0/16");
  REQUIRE(in_table);
  CHECK(*in_table == json{{"dst", "10.61.0.0/16"}, {"gw", "10.70.0.1"}, {"table", 100}});
  const json* scoped = result_route(r, "10.62.0.0/16");
  REQUIRE(scoped);
  CHECK(*scoped == json{{"dst", "10.62.0.0/16"}, {"scope", 253}});

  const json check_conf = with_prev(conf, add);
  const PluginRun check = env.run("CHECK", "c1", c.path(), check_conf);
  CHECK_MESSAGE(check.exit_code == 0, check.out, check.err);

  // CHECK compares the fields, not only the destination: a changed path MTU and a route gone from table 100.
  inspect_in(c, "ip route change 10.60.0.0/16 via 10.70.0.1 dev eth0 proto boot metric 77 mtu 1300 advmss 1360");
  const PluginRun changed = env.run("CHECK", "c1", c.path(), check_conf);
  CHECK(changed.exit_code != 0);
  CHECK_MESSAGE(changed.out.find("has mtu 1300, expected 1400") != std::string::npos, changed.out);
  inspect_in(c, "ip route change 10.60.0.0/16 via 10.70.0.1 dev eth0 proto boot metric 77 mtu 1400 advmss 1360");
  inspect_in(c, "ip route del 10.61.0.0/16 table 100");
  const PluginRun missing = env.run("CHECK", "c1", c.path(), check_conf);
  CHECK(missing.exit_code != 0);
  CHECK_MESSAGE(missing.out.find("route to 10.61.0.0/16 via eth0 in table 100 is missing") != std::string::npos,
                missing.out);
  inspect_in(c, "ip route add 10.61.0.0/16 via 10.70.0.1 dev eth0 table 100 proto boot");

  // DEL: the routes go with the interface, the one in table 100 too.
  const PluginRun del = env.run("DEL", "c1", c.path(), conf);
  CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
  CHECK(count_lines_with(inspect_in(c, "ip route show table all"), "table 100") == 0);
  CHECK(route_words(c, "10.60.0.0/16").empty());
  CHECK(route_words(c, "10.62.0.0/16").empty());
}

TEST_CASE("bridge: before 1.1.0 the route fields are neither returned nor applied" * doctest::skip(skip_root_tests())) {
  for (const std::string version : {"1.0.0", "0.4.0"}) {
    CAPTURE(version);
    BridgeEnv env;
    ContainerNetns c;
    const PluginRun add = env.run("ADD", "c1", c.path(), config_with_routes(env, version));
    REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
    const json result = add.json();  // a range-for over add.json()["routes"] would outlive the temporary
    for (const auto& r : result["routes"])
      for (const char* key : {"priority", "table", "scope", "mtu", "advmss"}) CHECK_MESSAGE(!r.contains(key), r);
    // The IPAM result of this version cannot carry them, so the bridge never saw them: plain routes in main.
    const auto words = route_words(c, "10.61.0.0/16");
    REQUIRE_FALSE(words.empty());
    CHECK(value_of(words, "table") == "main");
    CHECK(count_lines_with(inspect_in(c, "ip route show table all"), "table 100") == 0);
    CHECK(value_of(route_words(c, "10.60.0.0/16"), "mtu") == "");
    CHECK(value_of(route_words(c, "10.62.0.0/16"), "via") == "10.70.0.1");
  }
}

// Debian's reference plugins (1.1.1) speak CNI up to 1.0.0, whose route type has only dst and gw: side by side at
// 1.0.0, the same ipam.routes (fields included) must leave the container with the same routes as the reference.
TEST_CASE("interop: at 1.0.0 the container's routes match the reference bridge + host-local's, fields given or not" *
          doctest::skip(skip_root_tests())) {
  const auto routes_after_add = [](const std::string& bridge, const std::string& ipam) {
    BridgeEnv env;
    ContainerNetns c;
    json conf = config_with_routes(env, "1.0.0");
    conf["type"] = bridge;
    conf["ipam"]["type"] = ipam;
    const std::string path = bridge == "bridge" ? std::string(kReferencePluginDir) + "/bridge" : nexus_bridge_path();
    const PluginRun add =
        run_plugin(path, {.command = "ADD", .container_id = "c1", .netns = c.path(), .ifname = "eth0"}, conf);
    REQUIRE_MESSAGE(add.exit_code == 0, bridge, add.out, add.err);
    std::vector<std::vector<std::string>> out;
    for (const char* dst : {"10.60.0.0/16", "10.61.0.0/16", "10.62.0.0/16"}) out.push_back(route_words(c, dst));
    const PluginRun del =
        run_plugin(path, {.command = "DEL", .container_id = "c1", .netns = c.path(), .ifname = "eth0"}, conf);
    CHECK_MESSAGE(del.exit_code == 0, bridge, del.out, del.err);
    return out;
  };
  const auto reference = routes_after_add("bridge", "host-local");
  const auto nexus = routes_after_add("nexus-bridge", "nexus-ipam");
  for (const auto& words : reference) CHECK_FALSE(words.empty());
  CHECK(nexus == reference);
}
