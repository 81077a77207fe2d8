// containerd's conf_template for a Kubernetes node (conf/containerd-cni.conflist.template, shown in the README's
// "containerd on a Kubernetes node"): rendered for a pod CIDR exactly as containerd 1.6's CRI plugin renders it
// (tests/interop/cri-template-render: text/template, ParseFiles, the same data struct, built offline), the
// result must be a conflist libcni runs (tests/interop/cnitool): ADD gives an address of the pod CIDR, DEL
// leaves no lease.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/interop/cnitool_runner.h"
#include "tests/interop/interop_support.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/readme.h"
#include "tests/testutil/root.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::testutil;
using namespace nexus::testutil::interop;
using nlohmann::json;

namespace {

std::string template_path() { return std::string(NEXUS_SOURCE_DIR) + "/conf/containerd-cni.conflist.template"; }

/// The template rendered by containerd's code for `pod_cidrs` (comma-separated, as kubelet sends them).
CommandResult render(const std::string& pod_cidrs) {
  static const std::string renderer = build_go_tool("cri-template-render");
  return run_command({renderer, template_path(), pod_cidrs});
}

}  // namespace

TEST_CASE("containerd conf_template: the README shows the committed template") {
  const std::string text = read_file(template_path());
  REQUIRE(!text.empty());
  const std::string section = readme_section("containerd on a Kubernetes node");
  CHECK(first_code_block(section, "json") == text);
  CHECK(section.find("conf_template = \"/etc/containerd/nexus-cni.conflist.template\"") != std::string::npos);
  CHECK(section.find("[plugins.\"io.containerd.grpc.v1.cri\".cni]") != std::string::npos);
}

TEST_CASE("containerd conf_template: rendered for the node's pod CIDR as containerd does, libcni runs it" *
          doctest::skip(skip_root_tests())) {
  std::string pod_cidrs;
  json ranges, routes;
  SUBCASE("IPv4") {
    pod_cidrs = "10.0.77.0/24";
    ranges = json::parse(R"([[{"subnet": "10.0.77.0/24"}]])");
    routes = json::parse(R"([{"dst": "0.0.0.0/0"}])");
  }
  SUBCASE("dual stack") {
    pod_cidrs = "10.0.77.0/24, fd00:77::/64";  // containerd trims the spaces around each
    ranges = json::parse(R"([[{"subnet": "10.0.77.0/24"}], [{"subnet": "fd00:77::/64"}]])");
    routes = json::parse(R"([{"dst": "0.0.0.0/0"}, {"dst": "::/0"}])");
  }
  CAPTURE(pod_cidrs);
  const CommandResult rendered = render(pod_cidrs);
  REQUIRE_MESSAGE(rendered.exit_code == 0, rendered.out, rendered.err);
  json list = json::parse(rendered.out, nullptr, false);
  REQUIRE_MESSAGE(!list.is_discarded(), "not JSON: ", rendered.out);
  json& ipam = list["plugins"][0]["ipam"];
  CHECK(ipam["ranges"] == ranges);
  CHECK(ipam["routes"] == routes);

  HostNetns host;
  ContainerNetns container;
  Cnitool tool;
  ipam["dataDir"] = tool.data_dir();  // the one change: leases in the test's dir, not /var/lib/cni/networks
  tool.write(list);
  const CommandResult add = tool.run("add", "nexus", container.path());
  REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
  const json result = json::parse(add.out, nullptr, false);
  REQUIRE_MESSAGE(result.contains("ips"), add.out);
  REQUIRE(result["ips"].size() == ranges.size());
  const std::string v4 = result["ips"][0]["address"];
  CHECK(v4 == "10.0.77.2/24");
  if (ranges.size() == 2) CHECK(result["ips"][1]["address"] == "fd00:77::2/64");
  CHECK(lease_files(tool.data_dir(), "nexus").size() == ranges.size());
  CHECK(run_shell("ping -c1 -W2 " + strip_prefix(v4)).exit_code == 0);

  const CommandResult del = tool.run("del", "nexus", container.path());
  CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
  CHECK(lease_files(tool.data_dir(), "nexus").empty());
  CHECK(tool.cached_results().empty());
  CHECK(veths_here().empty());
}
