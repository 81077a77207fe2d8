// Issue 12: Nexus's tables (`inet nexus`, `bridge nexus`) go with the host's last attachment
// (shared/nat/idle_tables.h), never while an attachment has an element in them, never another owner's table, and
// never so that an ADD racing with the deletion loses its element. Each case in its own throwaway host netns.
#include <doctest/doctest.h>
#include <netinet/in.h>  // before linux/netfilter.h, which defines struct in_addr itself unless libc's is there
// (blank line: keeps the formatter from sorting it after the others)

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netlink/attr.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "shared/nat/masquerade.h"
#include "shared/nat/nft_batch.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/outside_netns.h"
#include "tests/testutil/root.h"
#include "tests/testutil/sanitized_build.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus;
using namespace nexus::testutil;
using nlohmann::json;

namespace {

// `nft list tables` of the test's host netns, one "table <family> <name>" a line.
std::string tables() { return inspect("nft list tables"); }
bool has_table(const std::string& family_and_name) {
  return tables().find("table " + family_and_name + "\n") != std::string::npos;
}

// Another owner's tables: one with an element in its set, and one of Nexus's name in a family Nexus never uses.
void add_other_owners_tables() {
  inspect("nft add table inet other && nft add set inet other s '{ type ipv4_addr; }' && "
          "nft add element inet other s '{ 192.0.2.7 }' && nft add table ip nexus && "
          "nft add set ip nexus s '{ type ipv4_addr; }'");
}
void check_other_owners_tables() {
  CHECK(inspect("nft list set inet other s").find("192.0.2.7") != std::string::npos);
  CHECK(has_table("ip nexus"));
}

// What find_masquerade_gap (CHECK's reading) says of attachment `id`'s masquerading by its ADD's result; "" when
// the table, its hook chain, the owner's element and its network chain are all there.
std::string masquerade_gap(const std::string& network, const std::string& bridge, const std::string& id,
                           const PluginRun& add) {
  const json result = json::parse(add.out);
  std::vector<IpPrefix> addresses;
  for (const json& ip : result["ips"]) addresses.push_back(*IpPrefix::parse(ip["address"].get<std::string>()));
  nat::Nft nft;
  return nat::find_masquerade_gap(nft, {network, bridge, nat::owner_of(id, "eth0")}, addresses);
}

json publishing(const BridgeEnv& env, const std::string& subnet, int host_port) {
  json conf = env.config(subnet, {{"ipMasq", true}, {"macspoofchk", true}, {"isDefaultGateway", true},
                                  {"capabilities", {{"portMappings", true}}}},
                         "1.1.0");
  conf["runtimeConfig"]["portMappings"] =
      json::array({{{"hostPort", host_port}, {"containerPort", 80}, {"protocol", "tcp"}}});
  return conf;
}

}  // namespace

TEST_CASE("idle tables: the last DEL deletes Nexus's tables (ipMasq, published ports, macspoofchk), keeps other "
          "owners' tables, and the next ADD makes them again" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  add_other_owners_tables();
  ContainerNetns a, b, c;
  const json conf_a = publishing(env, "10.93.0.0/24", 8081);
  const json conf_b = publishing(env, "10.93.0.0/24", 8082);
  const PluginRun add_a = env.add_ok("a", a, conf_a);
  const PluginRun add_b = env.add_ok("b", b, conf_b);
  REQUIRE(has_table("inet nexus"));
  REQUIRE(has_table("bridge nexus"));
  CHECK(inspect("nft list set inet nexus port_hairpin_v4").find("10.93.0.0/24") != std::string::npos);

  // b stays: its elements keep both tables.
  REQUIRE(env.run("DEL", "a", a.path(), with_prev(conf_a, add_a)).exit_code == 0);
  CHECK(has_table("inet nexus"));
  CHECK(has_table("bridge nexus"));
  CHECK(masquerade_gap("testnet", "nxbr0", "b", add_b) == "");
  CHECK(env.run("CHECK", "b", b.path(), with_prev(conf_b, add_b)).exit_code == 0);

  // The last one: nothing of Nexus's is left in the ruleset (the hairpin set's subnet did not keep it).
  REQUIRE(env.run("DEL", "b", b.path(), with_prev(conf_b, add_b)).exit_code == 0);
  CHECK_MESSAGE(!has_table("inet nexus"), inspect("nft list ruleset"));
  CHECK_MESSAGE(!has_table("bridge nexus"), inspect("nft list ruleset"));
  check_other_owners_tables();

  // The next ADD finds no table and makes everything again; CHECK finds it whole.
  const PluginRun add_c = env.add_ok("c", c, conf_a);
  CHECK(masquerade_gap("testnet", "nxbr0", "c", add_c) == "");
  CHECK(port_elements().size() == 1);
  CHECK(spoof_check_elements().size() == 1);
  CHECK(env.run("CHECK", "c", c.path(), with_prev(conf_a, add_c)).exit_code == 0);
  REQUIRE(env.run("DEL", "c", c.path(), with_prev(conf_a, add_c)).exit_code == 0);
  CHECK(!has_table("inet nexus"));
  CHECK(!has_table("bridge nexus"));
  check_other_owners_tables();
}

TEST_CASE("idle tables: GC that collects the last attachment's elements deletes the tables" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  add_other_owners_tables();
  ContainerNetns a;
  env.add_ok("a", a, publishing(env, "10.93.0.0/24", 8083));
  json gc = env.config("10.93.0.0/24", {{"ipMasq", true}}, "1.1.0");
  gc["cni.dev/valid-attachments"] = json::array();  // a is gone, says the runtime
  const PluginRun r = run_plugin(nexus_bridge_path(), {.command = "GC"}, gc);
  REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
  CHECK_MESSAGE(!has_table("inet nexus"), inspect("nft list ruleset"));
  check_other_owners_tables();
}

TEST_CASE("idle tables: a table with an element Nexus does not know of stays" * doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a;
  const json conf = env.config("10.93.0.0/24", {{"ipMasq", true}});
  const PluginRun add = env.add_ok("a", a, conf);
  // A map of an older Nexus (keyed by address alone) still holding an element: someone may still use it.
  inspect("nft add map inet nexus masq_v4 '{ type ipv4_addr : verdict; }' && "
          "nft add element inet nexus masq_v4 '{ 10.93.0.99 : return }'");
  REQUIRE(env.run("DEL", "a", a.path(), with_prev(conf, add)).exit_code == 0);
  CHECK(has_table("inet nexus"));
  const std::vector<MasqElement> left = masquerade_elements();
  CHECK(left == std::vector<MasqElement>{{"", "10.93.0.99", ""}});  // a's went, the old map's stayed
}

TEST_CASE("idle tables: the last DEL on one bridge keeps the table while another network's attachment remains, "
          "and that one stays masqueraded" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TestNetns outside;
  connect_outside(outside);
  ContainerNetns a, b;
  const json conf_a = env.config("10.94.1.0/24", {{"name", "net-a"}, {"bridge", "nxbra"}, {"ipMasq", true},
                                                  {"isDefaultGateway", true}, {"macspoofchk", true}});
  const json conf_b = env.config("10.94.2.0/24", {{"name", "net-b"}, {"bridge", "nxbrb"}, {"ipMasq", true},
                                                  {"isDefaultGateway", true}, {"macspoofchk", true}});
  const PluginRun add_a = env.add_ok("a", a, conf_a);
  const PluginRun add_b = env.add_ok("b", b, conf_b);
  REQUIRE(env.run("DEL", "a", a.path(), with_prev(conf_a, add_a)).exit_code == 0);
  CHECK(has_table("inet nexus"));
  CHECK(has_table("bridge nexus"));
  CHECK(masquerade_gap("net-b", "nxbrb", "b", add_b) == "");
  CHECK(spoof_check_elements().size() == 1);
  CHECK(env.run("CHECK", "b", b.path(), with_prev(conf_b, add_b)).exit_code == 0);
  TcpListener server(outside.fd(), "198.51.100.1", 9040);
  REQUIRE(server.ready());
  CHECK(tcp_exchange(b.fd(), "198.51.100.1", 9040) == "nexus-ok");
  CHECK(server.peer() == "198.51.100.254");  // masqueraded to the host's address on that link
}

// The kernel's side of the guard, without the plugin: a batch bound to a generation that is no more changes
// nothing (ERESTART); bound to the current one, it commits.
TEST_CASE("idle tables: a batch bound to an old ruleset generation is refused" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  inspect("nft add table inet other && nft add set inet other s '{ type ipv4_addr; }'");
  const uint32_t before = nat::ruleset_generation();
  inspect("nft add element inet other s '{ 192.0.2.8 }'");  // a concurrent ADD's element, say
  const auto delete_other = [](uint32_t generation) {
    nat::NftBatch batch;
    net::NlMsgPtr del = nat::new_nft_message(NFT_MSG_DELTABLE, 0, NFPROTO_INET);
    REQUIRE(nla_put_string(del.get(), NFTA_TABLE_NAME, "other") == 0);
    batch.add(std::move(del));
    batch.require_generation(generation);
    return batch.commit();
  };
  CHECK(delete_other(before) == ERESTART);
  CHECK(inspect("nft list set inet other s").find("192.0.2.8") != std::string::npos);
  CHECK(delete_other(nat::ruleset_generation()) == 0);
  CHECK(!has_table("inet other"));
}

namespace {

// Runs job(i) for i in [0, n) on n threads at once (threads inherit the caller's netns: the test's host).
void run_concurrently(int n, const std::function<void(int)>& job) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) threads.emplace_back(job, i);
  for (auto& t : threads) t.join();
}

struct Side {
  std::string network, bridge;
  json conf;
};

// Containers that come and go on two networks, each on its own bridge, so that each DEL of a bridge's last
// container looks for idle tables while the other bridge's ADDs put their elements in.
struct Churn {
  BridgeEnv env;
  std::array<Side, 2> sides{Side{"churn-a", "nxbra", {}}, Side{"churn-b", "nxbrb", {}}};
  std::vector<std::unique_ptr<ContainerNetns>> netns;
  std::vector<std::optional<PluginRun>> added;  // the live ADD of container i
  std::vector<int> side_of;
  explicit Churn(int n) : added(n), side_of(n, 0) {
    sides[0].conf = env.config("10.95.0.0/24", {{"name", "churn-a"}, {"bridge", "nxbra"}, {"ipMasq", true}});
    sides[1].conf = env.config("10.96.0.0/24", {{"name", "churn-b"}, {"bridge", "nxbrb"}, {"ipMasq", true}});
    for (int i = 0; i < n; ++i) netns.push_back(std::make_unique<ContainerNetns>("nxc"));
  }
  static std::string id(int i) { return "churn-" + std::to_string(i); }
  PluginRun add(int i, int side) {
    side_of[i] = side;
    return env.run("ADD", id(i), netns[i]->path(), sides[side].conf);
  }
  PluginRun del(int i) {
    const json& conf = sides[side_of[i]].conf;
    return env.run("DEL", id(i), netns[i]->path(), added[i] ? with_prev(conf, *added[i]) : conf);
  }
  // ADDs `to_add` on `side` while DELing `to_del`, the DELs `del_lead` ahead (behind when negative); every call
  // must succeed.
  void swap(const std::vector<int>& to_del, const std::vector<int>& to_add, int side,
            std::chrono::milliseconds del_lead = {}) {
    std::vector<std::optional<PluginRun>> runs(to_del.size() + to_add.size());
    run_concurrently(static_cast<int>(runs.size()), [&](int k) {
      const bool is_del = k < static_cast<int>(to_del.size());
      // A stagger, not a wait for state.
      std::this_thread::sleep_for(is_del ? -std::min(del_lead, {}) : std::max(del_lead, {}));
      runs[k] = is_del ? del(to_del[k]) : add(to_add[k - to_del.size()], side);
    });
    for (size_t k = 0; k < to_del.size(); ++k) {
      CHECK_MESSAGE(runs[k]->exit_code == 0, "DEL ", id(to_del[k]), ": ", runs[k]->out, runs[k]->err);
      added[to_del[k]].reset();
    }
    for (size_t k = 0; k < to_add.size(); ++k) {
      const PluginRun& r = *runs[to_del.size() + k];
      CHECK_MESSAGE(r.exit_code == 0, "ADD ", id(to_add[k]), ": ", r.out, r.err);
      if (r.exit_code == 0) added[to_add[k]] = r;
    }
  }
  // Every live attachment masqueraded: the table, its hook chain, its own element and its network's chain.
  int unmasqueraded() {
    int missing = 0;
    for (size_t i = 0; i < added.size(); ++i) {
      if (!added[i]) continue;
      const Side& s = sides[side_of[i]];
      const std::string gap = masquerade_gap(s.network, s.bridge, id(static_cast<int>(i)), *added[i]);
      if (!gap.empty()) ++missing;
      CHECK_MESSAGE(gap == "", id(static_cast<int>(i)), ": ", gap);
    }
    return missing;
  }
};

std::vector<int> range(int from, int to) {
  std::vector<int> out;
  for (int i = from; i < to; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("idle tables: stress: ADDs and DELs interleaved on two bridges leave every live attachment "
          "masqueraded" *
          doctest::skip(skip_root_tests())) {
  constexpr int kBatch = kSanitizedBuild ? 20 : 50;
  Churn churn(2 * kBatch);
  // kBatch on bridge a; then all of them DELed while kBatch ADD on bridge b, and back, a few times.
  churn.swap({}, range(0, kBatch), 0);
  for (int round = 0; round < 4; ++round) {
    const bool a_live = round % 2 == 0;
    churn.swap(range(a_live ? 0 : kBatch, a_live ? kBatch : 2 * kBatch),
               range(a_live ? kBatch : 0, a_live ? 2 * kBatch : kBatch), a_live ? 1 : 0);
    REQUIRE_MESSAGE(churn.unmasqueraded() == 0, "round ", round);
  }
  // One at a time: each DEL is its bridge's last while the other bridge's ADD runs, one started a little before
  // the other (from the ADD 30 ms ahead to the DEL 10 ms ahead: an ADD takes longer to reach its masquerade step
  // than a DEL to look for idle tables), so that some DELs look while the ADD creates the table or puts its
  // element in.
  churn.swap(range(0, kBatch), {}, 0);
  churn.swap({}, {0}, 0);
  constexpr int kRounds = 2 * kBatch;
  for (int round = 1; round < kRounds; ++round) {
    churn.swap({round - 1}, {round}, round % 2, std::chrono::milliseconds(round % 41 - 30));
    REQUIRE_MESSAGE(churn.unmasqueraded() == 0, "one-at-a-time round ", round);
  }
  churn.swap({kRounds - 1}, {}, 0);
  CHECK_MESSAGE(!has_table("inet nexus"), inspect("nft list ruleset"));
}
