// Traffic on the bridge: containers reach each other and the host netns reaches them, by ping and TCP.
#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/root.h"
#include "tests/testutil/tcp_probe.h"

using namespace nexus::testutil;
using nlohmann::json;

TEST_CASE("bridge: two containers talk by ping and TCP, and the host reaches both" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  ContainerNetns a, b;
  const json conf = env.config("10.60.0.0/24", {{"isDefaultGateway", true}});
  REQUIRE(env.run("ADD", "a", a.path(), conf).exit_code == 0);
  REQUIRE(env.run("ADD", "b", b.path(), conf).exit_code == 0);

  CHECK(run_in_netns(a, "ping -c1 -W2 10.60.0.3").exit_code == 0);
  CHECK(run_in_netns(b, "ping -c1 -W2 10.60.0.2").exit_code == 0);
  CHECK(run_in_netns(a, "ping -c1 -W2 10.60.0.1").exit_code == 0);

  {
    TcpListener server(b.fd(), "10.60.0.3", 8080);
    REQUIRE(server.ready());
    CHECK(tcp_exchange(a.fd(), "10.60.0.3", 8080) == "nexus-ok");
    CHECK(server.peer() == "10.60.0.2");  // same subnet: no NAT
  }
  {
    TcpListener server(a.fd(), "10.60.0.2", 8081);
    REQUIRE(server.ready());
    CHECK(tcp_exchange(-1, "10.60.0.2", 8081) == "nexus-ok");  // from the host netns
    CHECK(server.peer() == "10.60.0.1");
  }
  CHECK(env.run("DEL", "a", a.path(), conf).exit_code == 0);
  CHECK(env.run("DEL", "b", b.path(), conf).exit_code == 0);
  CHECK(env.host_veths().empty());
}

TEST_CASE("bridge: 50 ADDs in parallel race to create the bridge; all succeed with unique addresses" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  constexpr int kCount = 50;
  std::vector<std::unique_ptr<ContainerNetns>> containers;
  for (int i = 0; i < kCount; ++i) containers.push_back(std::make_unique<ContainerNetns>());
  const json conf = env.config("10.61.0.0/24");
  std::vector<PluginRun> results(kCount, PluginRun{-1, "", ""});
  std::vector<std::thread> threads;
  for (int i = 0; i < kCount; ++i)
    threads.emplace_back([&, i] { results[i] = env.run("ADD", "c" + std::to_string(i), containers[i]->path(), conf); });
  for (auto& t : threads) t.join();

  std::set<std::string> addresses;
  for (int i = 0; i < kCount; ++i) {
    CAPTURE(i);
    REQUIRE_MESSAGE(results[i].exit_code == 0, results[i].out, results[i].err);
    addresses.insert(results[i].json()["ips"][0]["address"].get<std::string>());
  }
  CHECK(addresses.size() == kCount);
  CHECK(run_shell("ip -o link show type bridge").out.find("nxbr0") != std::string::npos);
  CHECK(env.host_veths().size() == kCount);
  CHECK(run_shell("ping -c1 -W2 10.61.0.30").exit_code == 0);

  threads.clear();
  for (int i = 0; i < kCount; ++i)
    threads.emplace_back([&, i] { results[i] = env.run("DEL", "c" + std::to_string(i), containers[i]->path(), conf); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kCount; ++i) CHECK_MESSAGE(results[i].exit_code == 0, results[i].out);
  CHECK(env.host_veths().empty());
  CHECK(env.lease_count() == 0);
}
