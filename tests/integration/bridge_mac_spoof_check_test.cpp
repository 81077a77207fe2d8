// macspoofchk: frames from a container port whose source MAC is not the container interface's are dropped by
// one rule in `table bridge nexus`, fed by per-port elements that carry their owner. ADD puts them in, DEL takes
// out only its own (also repeated, also without the netns), CHECK names a missing one, and the reference
// plugin (Debian's bridge 1.1.1) does the same to the frames with its own chains in `table bridge nat`.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
using nlohmann::json;

namespace {

constexpr const char* kSpoofedMac = "02:00:00:00:be:ef";

std::string host_veth_of(const PluginRun& add) { return add.json()["interfaces"][1]["name"]; }
std::string container_mac_of(const PluginRun& add) { return add.json()["interfaces"][2]["mac"]; }

bool pings(const ContainerNetns& from, const std::string& to) {
  return run_in_netns(from, "ping -c1 -W1 " + to).exit_code == 0;
}

void set_mac(const ContainerNetns& c, const std::string& mac) { inspect_in(c, "ip link set dev eth0 address " + mac); }

/// What `a` reaches at `to`: with its own MAC, then with a spoofed one, then with its own again.
std::vector<bool> spoofing_experiment(const ContainerNetns& a, const std::string& real_mac, const std::string& to) {
  std::vector<bool> reached{pings(a, to)};
  set_mac(a, kSpoofedMac);
  reached.push_back(pings(a, to));
  set_mac(a, real_mac);
  reached.push_back(pings(a, to));
  return reached;
}

/// The one element of each macspoofchk set that `port` must have after an ADD by `owner`.
void check_elements(const std::string& port, const std::string& owner, const std::string& mac) {
  const auto all = spoof_check_elements();
  REQUIRE_MESSAGE(all.count(port) == 1, "no macspoofchk element for ", port, ": ", inspect("nft list ruleset"));
  const SpoofCheckElements& e = all.at(port);
  CHECK(e.in_ports);
  CHECK(e.owner == owner);
  CHECK(e.macs == std::vector<std::string>{mac});
  CHECK(e.tokens == 1);
}

}  // namespace

TEST_CASE("bridge: macspoofchk puts the port and its MAC in table bridge nexus; DEL removes them, repeated and "
          "without the netns" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c, plain;
  const json conf = env.config("10.95.0.0/24", {{"macspoofchk", true}});
  const PluginRun add = env.add_ok("c1", c, conf);
  const std::string veth = host_veth_of(add);
  check_elements(veth, "c1/eth0", container_mac_of(add));
  const std::string table = inspect("nft list table bridge nexus");
  CHECK_MESSAGE(table.find("type filter hook prerouting priority dstnat; policy accept;") != std::string::npos, table);
  CHECK_MESSAGE(table.find("iifname @macspoofchk_ports iifname . ether saddr != @macspoofchk_macs counter packets") !=
                    std::string::npos, table);
  // Without the key (default false) an attachment gets no element.
  env.add_ok("plain", plain, env.config("10.95.0.0/24"));
  CHECK(spoof_check_elements().size() == 1);

  const json with_add = with_prev(conf, add);
  CHECK(env.run("CHECK", "c1", c.path(), with_add).exit_code == 0);
  SUBCASE("DEL with prevResult, twice") {
    for (int round = 0; round < 2; ++round) {
      CAPTURE(round);
      const PluginRun del = env.run("DEL", "c1", c.path(), with_add);
      CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
      CHECK(spoof_check_elements().empty());
    }
  }
  SUBCASE("DEL without CNI_NETNS or prevResult, twice") {
    for (int round = 0; round < 2; ++round) {
      CAPTURE(round);
      const PluginRun del = env.run("DEL", "c1", "", conf);
      CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
      CHECK(spoof_check_elements().empty());
    }
  }
  CHECK_FALSE(has_link(veth));
  CHECK(inspect("nft list table bridge nexus").find(veth) == std::string::npos);
}

TEST_CASE("bridge: macspoofchk drops the container's frames with a spoofed source MAC and passes its own" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a, b;
  const PluginRun add_a = env.add_ok("a", a, env.config("10.96.0.0/24", {{"macspoofchk", true}}));
  env.add_ok("b", b, env.config("10.96.0.0/24"));
  const std::string real_mac = container_mac_of(add_a);

  CHECK(pings(a, "10.96.0.3"));
  const uint64_t drops_before = spoof_check_drops();
  set_mac(a, kSpoofedMac);
  CHECK_FALSE(pings(a, "10.96.0.3"));
  CHECK(spoof_check_drops() > drops_before);
  set_mac(a, real_mac);
  CHECK(pings(a, "10.96.0.3"));
  // b has no check: a spoofed MAC of its own still gets through, so it was the check that stopped a's frames.
  set_mac(b, kSpoofedMac);
  inspect_in(a, "ip neigh flush dev eth0");  // a answers b's new MAC once it has asked for it
  CHECK(pings(b, "10.96.0.2"));
}

TEST_CASE("bridge: macspoofchk: DEL removes only its own attachment's elements; other owners' and foreign "
          "tables stay" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a, b;
  // A neighbour's tables: the reference plugin's, and any other.
  inspect("nft add table bridge nat && nft add chain bridge nat PREROUTING "
          "'{ type filter hook prerouting priority -300; policy accept; }' && "
          "nft add rule bridge nat PREROUTING iifname veth0abc drop && "
          "nft add table inet other && nft add set inet other s '{ type ipv4_addr; }' && "
          "nft add element inet other s '{ 10.97.0.2 }'");
  const std::string foreign_before = inspect("nft list table bridge nat && nft list table inet other");
  const json conf = env.config("10.97.0.0/24", {{"macspoofchk", true}});
  const PluginRun add_a = env.add_ok("a", a, conf);
  const PluginRun add_b = env.add_ok("b", b, conf);
  const std::string veth_a = host_veth_of(add_a), veth_b = host_veth_of(add_b);
  // Another owner's port in our own sets, as another Nexus attachment would leave it.
  inspect("nft add element bridge nexus macspoofchk_ports '{ \"nex-foreign\" comment \"x/eth0\" }' && "
          "nft add element bridge nexus macspoofchk_macs '{ \"nex-foreign\" . 02:00:00:00:00:42 }' && "
          "nft add element bridge nexus macspoofchk_owner '{ \"nex-foreign\" . 0x00000001 . 0x00000002 }'");

  CHECK(env.run("DEL", "a", a.path(), with_prev(conf, add_a)).exit_code == 0);
  const auto left = spoof_check_elements();
  CHECK(left.count(veth_a) == 0);
  check_elements(veth_b, "b/eth0", container_mac_of(add_b));
  check_elements("nex-foreign", "x/eth0", "02:00:00:00:00:42");
  CHECK(inspect("nft list table bridge nat && nft list table inet other") == foreign_before);

  // b's port with an owner token that is not b's: the port's name alone does not let b's DEL remove it.
  const json tokens = json::parse(inspect("nft -j list set bridge nexus macspoofchk_owner"));
  std::string token_b;
  for (const auto& item : tokens["nftables"])
    if (item.contains("set"))
      for (const auto& e : item["set"]["elem"])
        if (e["concat"][0] == veth_b)
          token_b = std::to_string(e["concat"][1].get<uint32_t>()) + " . " + std::to_string(e["concat"][2].get<uint32_t>());
  REQUIRE_FALSE(token_b.empty());
  inspect("nft delete element bridge nexus macspoofchk_owner '{ \"" + veth_b + "\" . " + token_b + " }' && " +
          "nft add element bridge nexus macspoofchk_owner '{ \"" + veth_b + "\" . 0x00000003 . 0x00000004 }'");
  CHECK(env.run("DEL", "b", "", conf).exit_code == 0);
  check_elements(veth_b, "b/eth0", container_mac_of(add_b));
  check_elements("nex-foreign", "x/eth0", "02:00:00:00:00:42");
  CHECK(inspect("nft list table bridge nat && nft list table inet other") == foreign_before);
}

TEST_CASE("bridge: macspoofchk: CHECK names a missing spoof-check element" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns c;
  const json conf = env.config("10.98.0.0/24", {{"macspoofchk", true}});
  const PluginRun add = env.add_ok("c1", c, conf);
  const std::string veth = host_veth_of(add), mac = container_mac_of(add);
  const json with_add = with_prev(conf, add);
  REQUIRE(env.run("CHECK", "c1", c.path(), with_add).exit_code == 0);

  inspect("nft delete element bridge nexus macspoofchk_macs '{ \"" + veth + "\" . " + mac + " }'");
  const PluginRun check = env.run("CHECK", "c1", c.path(), with_add);
  CHECK_CNI_ERROR(check, 999);
  const std::string want = "macspoofchk of c1/eth0: element \"" + veth + "\" . " + mac +
                           " of set macspoofchk_macs in table bridge nexus is missing";
  CHECK(check.json().value("msg", "") == want);
  // Without the key, CHECK does not look.
  CHECK(env.run("CHECK", "c1", c.path(), with_prev(env.config("10.98.0.0/24"), add)).exit_code == 0);
  // DEL still removes what is left of it.
  CHECK(env.run("DEL", "c1", c.path(), with_add).exit_code == 0);
  CHECK(spoof_check_elements().empty());
}

TEST_CASE("interop: macspoofchk drops a spoofed source MAC as the reference bridge does, each in its own table" *
          doctest::skip(skip_root_tests())) {
  // Twin setups, one per plugin: a (checked) pings b with its MAC, a spoofed one, its MAC again.
  const auto experiment = [](const std::string& plugin) {
    BridgeEnv env;
    ContainerNetns a, b;
    const bool reference = plugin == "bridge";
    json conf = env.config("10.99.0.0/24", {{"macspoofchk", true}}, "1.0.0");
    conf["type"] = plugin;
    if (reference) conf["ipam"]["type"] = "host-local";
    const std::string path = reference ? std::string(kReferencePluginDir) + "/bridge" : nexus_bridge_path();
    const auto run = [&](const std::string& command, const std::string& id, const ContainerNetns& c) {
      return run_plugin(path, {.command = command, .container_id = id, .netns = c.path(), .ifname = "eth0"}, conf);
    };
    const PluginRun add_a = run("ADD", "a", a), add_b = run("ADD", "b", b);
    REQUIRE_MESSAGE(add_a.exit_code == 0, plugin, add_a.out, add_a.err);
    REQUIRE_MESSAGE(add_b.exit_code == 0, plugin, add_b.out, add_b.err);
    const std::string veth_a = host_veth_of(add_a);
    const std::string b_address = add_b.json()["ips"][0]["address"].get<std::string>();
    const std::vector<bool> reached =
        spoofing_experiment(a, container_mac_of(add_a), b_address.substr(0, b_address.find('/')));

    const std::string own_table = reference ? "bridge nat" : "bridge nexus";
    const std::string other_table = reference ? "bridge nexus" : "bridge nat";
    const std::string tables = inspect("nft list tables");
    CHECK_MESSAGE(inspect("nft list table " + own_table).find("drop") != std::string::npos, plugin);
    CHECK_MESSAGE(tables.find("table " + other_table + "\n") == std::string::npos, plugin, tables);
    if (reference) CHECK(inspect("nft list table bridge nat").find(veth_a) != std::string::npos);
    if (!reference) check_elements(veth_a, "a/eth0", container_mac_of(add_a));

    for (const auto& [id, c] : {std::pair<const char*, const ContainerNetns*>{"a", &a}, {"b", &b}}) {
      const PluginRun del = run("DEL", id, *c);
      CHECK_MESSAGE(del.exit_code == 0, plugin, del.out, del.err);
    }
    const std::string left = inspect("nft list ruleset");
    CHECK_MESSAGE(left.find(veth_a) == std::string::npos, plugin, left);
    CHECK_MESSAGE(left.find("cni-br-iface") == std::string::npos, plugin, left);  // the reference's per-port chains
    if (!reference) CHECK(spoof_check_elements().empty());
    return reached;
  };
  const std::vector<bool> reference = experiment("bridge");
  CHECK(reference == std::vector<bool>{true, false, true});
  CHECK(experiment("nexus-bridge") == reference);
}
