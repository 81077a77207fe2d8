// Without ipMasq nexus-bridge needs no libnftables: it is loaded only when masquerading, and only when the
// netlink fast path cannot do the job. With ipMasq and no libnftables, a first ADD fails clearly and changes nothing.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/testutil/bind_mount_wrapper.h"
#include "tests/testutil/bridge_env.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus::testutil;
namespace fs = std::filesystem;

namespace {

std::string libnftables_file() {
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
    const fs::path candidate = fs::path(dir) / "libnftables.so.1";
    if (fs::exists(candidate)) return fs::canonical(candidate).string();
  }
  return {};
}

// A throwaway host and the plugin as a host without libnftables runs it.
struct WithoutLibnftables {
  const std::string library = libnftables_file();
  BridgeEnv env;
  TempDir bin;
  // nexus-bridge run in a private mount namespace where the library file is /dev/null.
  const std::string plugin =
      bind_mount_wrapper(bin, "nexus-bridge-without-libnftables", "/dev/null", library, nexus_bridge_path());

  WithoutLibnftables() { REQUIRE_MESSAGE(!library.empty(), "libnftables.so.1 not found"); }

  PluginRun run(const std::string& command, const std::string& id, const ContainerNetns& ns,
                const nlohmann::json& conf) const {
    return run_plugin(plugin, {.command = command, .container_id = id, .netns = ns.path(), .ifname = "eth0"}, conf);
  }
};

}  // namespace

TEST_CASE("nexus-bridge without libnftables: works without ipMasq, fails cleanly with it" *
          doctest::skip(skip_root_tests())) {
  WithoutLibnftables host;
  BridgeEnv& env = host.env;
  ContainerNetns plain, masqueraded;

  const auto add = host.run("ADD", "c1", plain, env.config("10.66.0.0/24"));
  CHECK_MESSAGE(add.exit_code == 0, add.out << add.err);
  CHECK(env.lease_count() == 1);

  const auto masq = host.run("ADD", "c2", masqueraded, env.config("10.66.0.0/24", {{"ipMasq", true}}));
  CHECK(masq.exit_code != 0);
  CHECK(masq.error_code() == 999);
  CAPTURE(masq.out);
  CHECK(masq.json()["msg"].get<std::string>().find("libnftables") != std::string::npos);
  CHECK(env.lease_count() == 1);  // c2's address was released
  CHECK(env.host_veths().size() == 1);

  const auto del = host.run("DEL", "c1", plain, env.config("10.66.0.0/24"));
  CHECK_MESSAGE(del.exit_code == 0, del.out << del.err);
  CHECK(env.lease_count() == 0);
  CHECK(env.host_veths().empty());
}

// Once a network's table and chain are there, ipMasq's ADD and DEL go by one nf_tables netlink batch in the
// plugin itself (shared/nat/nft_batch.h): they need no libnftables. A DEL whose elements are gone needs it to look
// them up, and says so.
TEST_CASE("nexus-bridge without libnftables: ipMasq ADD and DEL in a network that has its table" *
          doctest::skip(skip_root_tests())) {
  WithoutLibnftables host;
  BridgeEnv& env = host.env;
  ContainerNetns first, second;
  const nlohmann::json conf = env.config("10.66.0.0/24", {{"ipMasq", true}});
  env.add_ok("c1", first, conf);  // the network's first ADD creates the table, with libnftables

  const auto add = host.run("ADD", "c2", second, conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out << add.err);
  const auto address = add.json()["ips"][0]["address"].get<std::string>();
  const auto masqueraded = masqueraded_v4();
  CHECK(masqueraded.count(address.substr(0, address.find('/'))) == 1);
  CHECK(masqueraded.size() == 2);

  const auto del = host.run("DEL", "c2", second, with_prev(conf, add));
  CHECK_MESSAGE(del.exit_code == 0, del.out << del.err);
  CHECK(masqueraded_v4().size() == 1);
  CHECK(owner_tokens_v4().size() == 1);
  CHECK(env.lease_count() == 1);

  // Its elements gone, a repeated DEL must look the owner's up: libnftables, missing here.
  const auto again = host.run("DEL", "c2", second, with_prev(conf, add));
  CHECK(again.exit_code != 0);
  CHECK(again.out.find("libnftables") != std::string::npos);
  CHECK(masqueraded_v4().size() == 1);
}

// The same for macspoofchk: once the host has its table, a port's check goes in and out by one netlink batch.
TEST_CASE("nexus-bridge without libnftables: macspoofchk ADD and DEL once the host has the table" *
          doctest::skip(skip_root_tests())) {
  WithoutLibnftables host;
  BridgeEnv& env = host.env;
  ContainerNetns first, second;
  const nlohmann::json conf = env.config("10.66.0.0/24", {{"macspoofchk", true}});
  env.add_ok("c1", first, conf);  // the host's first check creates the table, with libnftables

  const auto add = host.run("ADD", "c2", second, conf);
  REQUIRE_MESSAGE(add.exit_code == 0, add.out << add.err);
  CHECK(spoof_check_elements().size() == 2);

  const auto del = host.run("DEL", "c2", second, with_prev(conf, add));
  CHECK_MESSAGE(del.exit_code == 0, del.out << del.err);
  CHECK(spoof_check_elements().size() == 1);
  CHECK(env.lease_count() == 1);
}
