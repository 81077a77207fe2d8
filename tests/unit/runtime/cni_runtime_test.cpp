#include "shared/runtime/cni_runtime.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "shared/base/error.h"
#include "tests/testutil/cni_error.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::runtime;
using nlohmann::json;

namespace {

// A fake plugin: logs "<name> <command> <args> <stdin>" and answers VERSION and ADD.
void write_plugin(const std::string& dir, const std::string& name, const std::string& versions, bool fail_add = false) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << "#!/bin/sh\nin=$(cat)\n"
                      << "printf '%s\\t%s\\t%s\\t%s\\n' " << name << " \"$CNI_COMMAND\" \"$CNI_ARGS\" \"$in\" >> "
                      << dir << "/log\n"
                      << "case \"$CNI_COMMAND\" in\n"
                      << "VERSION) echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[" << versions << "]}';;\n"
                      << "ADD) "
                      << (fail_add ? "echo '{\"code\":11,\"msg\":\"boom\",\"details\":\"injected\"}'; exit 1;;\n"
                                   : "echo '{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.2/24\"}],\"by\":\"" +
                                         name + "\"}';;\n")
                      << "esac\n";
  ::chmod(path.c_str(), 0755);
}

struct Call {
  std::string plugin, command, args;
  json input;
};

std::vector<Call> calls(const std::string& dir) {
  std::vector<Call> out;
  std::ifstream in(dir + "/log");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Call c;
    std::string input;
    std::getline(fields, c.plugin, '\t');
    std::getline(fields, c.command, '\t');
    std::getline(fields, c.args, '\t');
    std::getline(fields, input);
    c.input = json::parse(input, nullptr, false);
    if (c.command != "VERSION") out.push_back(c);
  }
  return out;
}

NetworkConfigList two_plugins() {
  return parse_conflist(R"({"cniVersion":"1.1.0","cniVersions":["1.0.0"],"name":"tn","plugins":[
      {"type":"p1","capabilities":{"ips":true,"portMappings":false},"keep":"me"},
      {"type":"p2"}]})",
                        "test");
}

RuntimeConf conf() {
  RuntimeConf rt;
  rt.container_id = "c1";
  rt.netns = "/run/netns/c1";
  rt.args = {{"IgnoreUnknown", "1"}, {"IP", "10.1.0.9"}};
  rt.capability_args = json{{"ips", {"10.1.0.9"}}, {"portMappings", json::array()}};
  return rt;
}

/// The calls `command` makes to the fake plugins, alone: the log of earlier calls is cleared first.
template <class Command>
std::vector<Call> calls_of(const std::string& dir, Command&& command) {
  std::remove((dir + "/log").c_str());
  command();
  return calls(dir);
}

}  // namespace

TEST_CASE("derive_request sets name and version, filters runtimeConfig, drops capabilities") {
  json plugin = {{"type", "p"}, {"capabilities", {{"ips", true}, {"mac", false}}}, {"extra", 1}};
  json req = derive_request(plugin, "net", "1.0.0", {{"ips", {"1.2.3.4"}}, {"mac", "x"}, {"dns", 1}}, nullptr);
  CHECK(req["name"] == "net");
  CHECK(req["cniVersion"] == "1.0.0");
  CHECK(req["extra"] == 1);
  CHECK_FALSE(req.contains("capabilities"));
  CHECK_FALSE(req.contains("prevResult"));
  CHECK(req["runtimeConfig"] == json{{"ips", {"1.2.3.4"}}});
  CHECK(derive_request(plugin, "n", "1.0.0", json::object(), json{{"a", 1}})["prevResult"]["a"] == 1);
  CHECK(format_cni_args({{"A", "1"}, {"B", "2"}}) == "A=1;B=2");
}

TEST_CASE("ADD runs in order with prevResult, DEL in reverse with the cached result") {
  nexus::testutil::TempDir bin, cache;
  write_plugin(bin.path(), "p1", R"("0.4.0","1.0.0")");
  write_plugin(bin.path(), "p2", R"("1.0.0","1.1.0")");
  CniRuntime rt({bin.path()}, cache.path());
  json result = rt.add(two_plugins(), conf());
  CHECK(result["by"] == "p2");

  std::vector<Call> add = calls(bin.path());
  REQUIRE(add.size() == 2);
  CHECK(add[0].plugin == "p1");
  CHECK(add[0].args == "IgnoreUnknown=1;IP=10.1.0.9");
  CHECK(add[0].input["cniVersion"] == "1.0.0");  // the highest version both plugins speak
  CHECK(add[0].input["keep"] == "me");
  CHECK_FALSE(add[0].input.contains("prevResult"));
  CHECK(add[0].input["runtimeConfig"] == json{{"ips", {"10.1.0.9"}}});
  CHECK(add[1].plugin == "p2");
  CHECK(add[1].input["prevResult"]["by"] == "p1");
  CHECK_FALSE(add[1].input.contains("runtimeConfig"));

  auto cached = rt.cached("tn", conf());
  REQUIRE(cached);
  CHECK(cached->result["by"] == "p2");
  CHECK(cached->config == two_plugins().bytes);

  std::vector<Call> del = calls_of(bin.path(), [&] { rt.del(two_plugins(), conf()); });
  REQUIRE(del.size() == 2);
  CHECK(del[0].plugin == "p2");
  CHECK(del[1].plugin == "p1");
  CHECK(del[0].input["prevResult"]["by"] == "p2");
  CHECK(del[1].input["prevResult"]["by"] == "p2");
  CHECK_FALSE(rt.cached("tn", conf()));
}

TEST_CASE("a failing plugin stops ADD with its own code and message, and caches nothing") {
  nexus::testutil::TempDir bin, cache;
  write_plugin(bin.path(), "p1", R"("1.0.0")", true);
  write_plugin(bin.path(), "p2", R"("1.0.0")");
  CniRuntime rt({bin.path()}, cache.path());
  const auto e = nexus::testutil::thrown_error([&] { rt.add(two_plugins(), conf()); });
  REQUIRE_MESSAGE(e, "no error");
  CHECK(e->code() == nexus::Code::TryAgainLater);
  CHECK(std::string(e->what()).find("p1") != std::string::npos);
  CHECK(std::string(e->what()).find("boom") != std::string::npos);
  CHECK(e->details() == "injected");
  CHECK(calls(bin.path()).size() == 1);
  CHECK_FALSE(rt.cached("tn", conf()));
}

TEST_CASE("CHECK passes the cached result to every plugin in order; disableCheck skips") {
  nexus::testutil::TempDir bin, cache;
  write_plugin(bin.path(), "p1", R"("1.0.0")");
  write_plugin(bin.path(), "p2", R"("1.0.0")");
  CniRuntime rt({bin.path()}, cache.path());
  CHECK_THROWS_AS(rt.check(two_plugins(), conf()), nexus::Error);  // nothing cached yet
  rt.add(two_plugins(), conf());
  std::vector<Call> check = calls_of(bin.path(), [&] { rt.check(two_plugins(), conf()); });
  REQUIRE(check.size() == 2);
  CHECK(check[0].command == "CHECK");
  CHECK(check[0].plugin == "p1");
  CHECK(check[0].input["prevResult"]["by"] == "p2");
  NetworkConfigList no_check = two_plugins();
  no_check.disable_check = true;
  CHECK(calls_of(bin.path(), [&] { rt.check(no_check, conf()); }).empty());
}

TEST_CASE("no common version and missing plugins are clear errors") {
  nexus::testutil::TempDir bin, cache;
  write_plugin(bin.path(), "p1", R"("0.3.1")");
  write_plugin(bin.path(), "p2", R"("1.0.0")");
  CniRuntime rt({bin.path()}, cache.path());
  const auto e = nexus::testutil::thrown_error([&] { rt.add(two_plugins(), conf()); });
  REQUIRE_MESSAGE(e, "no error");
  CHECK(e->code() == nexus::Code::IncompatibleVersion);
  CHECK(e->details().find("p1 speaks 0.3.1") != std::string::npos);
  CniRuntime empty({cache.path()}, cache.path());
  CHECK_THROWS_AS(empty.add(two_plugins(), conf()), nexus::Error);
}
