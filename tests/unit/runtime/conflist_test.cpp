#include "shared/runtime/conflist.h"

#include <doctest/doctest.h>

#include <fstream>

#include "shared/base/error.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::runtime;
using nexus::Code;
using nexus::Error;
using nexus::Code;
using nexus::Error;

namespace {
void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

Code code_of(const std::string& text) {
  try {
    parse_conflist(text, "t");
  } catch (const Error& e) {
    return e.code();
  }
  return Code::Unknown;
}
}  // namespace

TEST_CASE("parse_conflist reads a list with versions and flags") {
  const std::string text = R"({"cniVersion":"1.0.0","cniVersions":["0.4.0","1.1.0"],"name":"n1","disableCheck":true,
    "plugins":[{"type":"bridge","x":1},{"type":"portmap"}]})";
  NetworkConfigList list = parse_conflist(text, "f");
  CHECK(list.name == "n1");
  CHECK(list.cni_version == "1.0.0");
  CHECK(list.cni_versions == std::vector<std::string>{"1.0.0", "0.4.0", "1.1.0"});
  CHECK(list.disable_check);
  CHECK_FALSE(list.disable_gc);
  REQUIRE(list.plugins.size() == 2);
  CHECK(list.plugins[0]["x"] == 1);
  CHECK(list.bytes == text);  // cached verbatim, as libcni does
}

TEST_CASE("parse_conflist turns a single-plugin .conf into a list") {
  NetworkConfigList list = parse_conflist(R"({"cniVersion":"0.4.0","name":"one","type":"bridge"})", "f");
  REQUIRE(list.plugins.size() == 1);
  CHECK(list.plugins[0]["type"] == "bridge");
  CHECK(list.cni_version == "0.4.0");
}

TEST_CASE("parse_conflist rejects bad input with the spec's codes") {
  CHECK(code_of("{not json") == Code::DecodeFailure);
  CHECK(code_of(R"({"cniVersion":"1.0.0","plugins":[{"type":"b"}]})") == Code::InvalidConfig);  // no name
  CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","plugins":[]})") == Code::InvalidConfig);
  CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../x"}]})") == Code::InvalidConfig);
  CHECK(code_of(R"({"cniVersion":"1.0.0","name":"-n","plugins":[{"type":"b"}]})") == Code::InvalidConfig);
  CHECK(code_of(R"({"name":"n","plugins":[{"type":"b"}]})") == Code::InvalidConfig);  // no version
  CHECK(code_of(R"({"cniVersion":"1.0.0","name":"n","disableGC":"yes","plugins":[{"type":"b"}]})") ==
        Code::InvalidConfig);
  CHECK(code_of(R"({"cniVersion":"1.0.0","name":5,"type":"b"})") == Code::InvalidConfig);  // a .conf (fuzz/)
}

TEST_CASE("find_network searches dirs in order and files by name, skipping broken ones") {
  nexus::testutil::TempDir a, b;
  write(a.path() + "/00-broken.conflist", "{oops");
  write(a.path() + "/10-other.conflist", R"({"cniVersion":"1.0.0","name":"other","plugins":[{"type":"x"}]})");
  write(a.path() + "/20-net.json", R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"first"}]})");
  write(a.path() + "/30-net.conflist", R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"second"}]})");
  write(b.path() + "/00-net.conflist", R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"third"}]})");
  write(a.path() + "/README.txt", R"({"cniVersion":"1.0.0","name":"txt","plugins":[{"type":"x"}]})");
  auto found = find_network("net", {a.path(), b.path()});
  REQUIRE(found);
  CHECK(found->plugins[0]["type"] == "first");
  CHECK(found->source == a.path() + "/20-net.json");
  CHECK_FALSE(find_network("txt", {a.path()}));
  CHECK_FALSE(find_network("net", {"/nonexistent/dir"}));
}

TEST_CASE("load_network falls back to the built-in network and names the dirs it searched") {
  nexus::testutil::TempDir empty;
  NetworkConfigList builtin = load_network("nexus", {empty.path()});
  CHECK(builtin.source == "built-in");
  CHECK(builtin.plugins[0]["type"] == "nexus-bridge");
  CHECK(builtin.plugins[0]["bridge"] == "nexus0");
  CHECK(builtin.plugins[0]["ipam"]["type"] == "nexus-ipam");
  CHECK(builtin.plugins[0]["ipam"]["ranges"][0][0]["subnet"] == "10.0.42.0/24");
  try {
    load_network("missing", {empty.path()});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Code::InvalidConfig);
    CHECK(std::string(e.what()).find("missing") != std::string::npos);
    CHECK(e.details().find(empty.path()) != std::string::npos);
  }
}

TEST_CASE("a conf file overrides the built-in network of the same name") {
  nexus::testutil::TempDir dir;
  write(dir.path() + "/10-nexus.conflist", R"({"cniVersion":"1.0.0","name":"nexus","plugins":[{"type":"mine"}]})");
  CHECK(load_network("nexus", {dir.path()}).plugins[0]["type"] == "mine");
}
