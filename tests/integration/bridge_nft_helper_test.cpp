// The statically linked nexus-bridge runs libnftables in its nexus-nftables helper (shared/nat/nft_session.h),
// found beside the plugin's own executable. Without it, the bridge still does everything that needs no
// libnftables, and a first ipMasq ADD fails naming the helper and changes nothing. The sanitizer build links
// nexus-bridge dynamically with libnftables in-process: there the same copy masquerades without any helper.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/testutil/bridge_env.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
namespace fs = std::filesystem;

TEST_CASE("nexus-bridge without its nexus-nftables helper beside it: no ipMasq works, a first ipMasq ADD fails "
          "naming the helper and changes nothing" *
          doctest::skip(skip_root_tests())) {
  BridgeEnv env;
  TempDir bin;
  const std::string plugin = bin.path() + "/nexus-bridge";
  fs::copy_file(nexus_bridge_path(), plugin);
  REQUIRE_FALSE(fs::exists(bin.path() + "/nexus-nftables"));
  const auto run = [&](const std::string& command, const std::string& id, const ContainerNetns& ns,
                       const nlohmann::json& conf) {
    return run_plugin(plugin, {.command = command, .container_id = id, .netns = ns.path(), .ifname = "eth0"}, conf);
  };
  ContainerNetns plain, masqueraded;

  const auto add = run("ADD", "c1", plain, env.config("10.67.0.0/24"));
  REQUIRE_MESSAGE(add.exit_code == 0, add.out << add.err);

  const auto masq = run("ADD", "c2", masqueraded, env.config("10.67.0.0/24", {{"ipMasq", true}}));
  CAPTURE(masq.out);
#if NEXUS_BRIDGE_STATIC
  CHECK(masq.exit_code != 0);
  CHECK(masq.error_code() == 999);
  CHECK(masq.json()["msg"].get<std::string>().find(bin.path() + "/nexus-nftables is missing") != std::string::npos);
  CHECK(masq.json()["details"].get<std::string>().find("installed beside the plugins") != std::string::npos);
  CHECK(env.lease_count() == 1);  // c2's address was released
  CHECK(env.host_veths().size() == 1);
  CHECK(masquerade_elements().empty());
#else
  CHECK_MESSAGE(masq.exit_code == 0, masq.out << masq.err);
  CHECK(env.lease_count() == 2);
  CHECK(masqueraded_v4().size() == 1);
  CHECK(run("DEL", "c2", masqueraded, env.config("10.67.0.0/24", {{"ipMasq", true}})).exit_code == 0);
#endif

  const auto del = run("DEL", "c1", plain, env.config("10.67.0.0/24"));
  CHECK_MESSAGE(del.exit_code == 0, del.out << del.err);
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());
}
