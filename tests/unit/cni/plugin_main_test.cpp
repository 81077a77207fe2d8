#include "shared/cni/plugin_main.h"

#include <doctest/doctest.h>

#include <sstream>

#include "shared/base/error.h"

using nexus::Code;
using namespace nexus::cni;
using nlohmann::json;

namespace {

struct Outcome {
  int rc;
  std::string out;
  json j() const { return json::parse(out); }
};

struct Recorder {
  std::vector<std::string> calls;
  PluginHandlers handlers() {
    return {.add = [this](const Request& r) { calls.push_back("ADD " + r.container_id); return json{{"ok", true}}; },
            .del = [this](const Request& r) { calls.push_back("DEL " + r.container_id); },
            .check = [this](const Request&) { calls.push_back("CHECK"); },
            .gc = [this](const Request&) { calls.push_back("GC"); },
            .status = [this](const Request&) { calls.push_back("STATUS"); }};
  }
};

Outcome run(const PluginHandlers& h, Environment env, const std::string& stdin_data) {
  std::istringstream in(stdin_data);
  std::ostringstream out;
  const int rc = nexus::cni::dispatch(h, env, in, out);
  return {rc, out.str()};
}

Environment add_env() {
  return {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_NETNS", "/run/netns/x"}, {"CNI_IFNAME", "eth0"}};
}

const std::string kConf = R"({"cniVersion":"1.0.0","name":"n","type":"t"})";

void check_error(const Outcome& o, Code code, const std::string& needle) {
  CHECK(o.rc == 1);
  const json j = o.j();
  CHECK(j["code"] == static_cast<unsigned>(code));
  CHECK(j["msg"].get<std::string>().find(needle) != std::string::npos);
  CHECK(j.contains("cniVersion"));
}

}  // namespace

TEST_CASE("dispatch: ADD runs the handler and prints its result") {
  Recorder r;
  const auto o = run(r.handlers(), add_env(), kConf);
  CHECK(o.rc == 0);
  CHECK(o.j() == json{{"ok", true}});
  CHECK(r.calls == std::vector<std::string>{"ADD c1"});
}

TEST_CASE("dispatch: DEL, CHECK, GC, STATUS print nothing on success") {
  Recorder r;
  auto env = add_env();
  for (const char* cmd : {"DEL", "CHECK"}) {
    env["CNI_COMMAND"] = cmd;
    const auto o = run(r.handlers(), env, kConf);
    CHECK(o.rc == 0);
    CHECK(o.out.empty());
  }
  for (const char* cmd : {"GC", "STATUS"}) {
    const auto o = run(r.handlers(), {{"CNI_COMMAND", cmd}}, R"({"cniVersion":"1.1.0","name":"n","type":"t"})");
    CHECK(o.rc == 0);
    CHECK(o.out.empty());
  }
  CHECK(r.calls.size() == 4);
}

TEST_CASE("dispatch: DEL does not need CNI_NETNS") {
  Recorder r;
  auto env = add_env();
  env["CNI_COMMAND"] = "DEL";
  env.erase("CNI_NETNS");
  CHECK(run(r.handlers(), env, kConf).rc == 0);
}

TEST_CASE("dispatch: VERSION echoes the requested version and lists what we support") {
  Recorder r;
  const auto o = run(r.handlers(), {{"CNI_COMMAND", "VERSION"}}, R"({"cniVersion":"0.4.0"})");
  CHECK(o.rc == 0);
  CHECK(o.j()["cniVersion"] == "0.4.0");
  CHECK(o.j()["supportedVersions"] == json{"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"});
  CHECK(run(r.handlers(), {{"CNI_COMMAND", "VERSION"}}, "").j()["cniVersion"] == "1.1.0");
  CHECK(r.calls.empty());
}

TEST_CASE("dispatch: environment errors are code 4 and name the variable") {
  Recorder r;
  check_error(run(r.handlers(), {}, kConf), Code::InvalidEnv, "CNI_COMMAND");
  check_error(run(r.handlers(), {{"CNI_COMMAND", "FROB"}}, kConf), Code::InvalidEnv, "FROB");
  auto env = add_env();
  env.erase("CNI_NETNS");
  env["CNI_IFNAME"] = "";
  check_error(run(r.handlers(), env, kConf), Code::InvalidEnv, "CNI_NETNS, CNI_IFNAME");
  env = add_env();
  env["CNI_CONTAINERID"] = "../etc";
  check_error(run(r.handlers(), env, kConf), Code::InvalidEnv, "CNI_CONTAINERID");
  env = add_env();
  env["CNI_IFNAME"] = "a-name-too-long-x";
  check_error(run(r.handlers(), env, kConf), Code::InvalidEnv, "CNI_IFNAME");
  env = add_env();
  env["CNI_ARGS"] = "A=1;garbage";
  check_error(run(r.handlers(), env, kConf), Code::InvalidEnv, "CNI_ARGS");
  CHECK(r.calls.empty());
}

TEST_CASE("dispatch: stdin errors: bad JSON 6, wrong type 6, huge input 5") {
  Recorder r;
  check_error(run(r.handlers(), add_env(), "{not json"), Code::DecodeFailure, "not valid JSON");
  check_error(run(r.handlers(), add_env(), "[1,2]"), Code::DecodeFailure, "object");
  check_error(run(r.handlers(), add_env(), R"({"cniVersion":1})"), Code::DecodeFailure, "cniVersion");
  std::string huge = R"({"cniVersion":"1.0.0","pad":")" + std::string(nexus::cni::kMaxStdinBytes, 'x') + "\"}";
  check_error(run(r.handlers(), add_env(), huge), Code::IoFailure, "larger than");
  CHECK(r.calls.empty());
}

TEST_CASE("dispatch: version errors are code 1") {
  Recorder r;
  check_error(run(r.handlers(), add_env(), R"({"cniVersion":"9.9.9","name":"n"})"), Code::IncompatibleVersion,
              "9.9.9");
  check_error(run(r.handlers(), add_env(), R"({"name":"n"})"), Code::IncompatibleVersion, "0.1.0");
  auto env = add_env();
  env["CNI_COMMAND"] = "CHECK";
  check_error(run(r.handlers(), env, R"({"cniVersion":"0.3.1","name":"n"})"), Code::IncompatibleVersion, "CHECK");
  check_error(run(r.handlers(), {{"CNI_COMMAND", "GC"}}, kConf), Code::IncompatibleVersion, "GC");
  check_error(run(r.handlers(), {{"CNI_COMMAND", "STATUS"}}, kConf), Code::IncompatibleVersion, "STATUS");
  CHECK(r.calls.empty());
}

TEST_CASE("dispatch: a handler's error becomes the error JSON in the config's version") {
  PluginHandlers h{.add = [](const Request&) -> json {
    throw nexus::Error(Code::TryAgainLater, "busy", "lock held");
  }};
  const auto o = run(h, add_env(), R"({"cniVersion":"0.4.0","name":"n"})");
  CHECK(o.rc == 1);
  CHECK(o.j() == json{{"cniVersion", "0.4.0"}, {"code", 11}, {"msg", "busy"}, {"details", "lock held"}});
}

TEST_CASE("dispatch: a verb without handler is refused with code 4") {
  PluginHandlers h{.add = [](const Request&) { return json::object(); }};
  check_error(run(h, {{"CNI_COMMAND", "STATUS"}}, R"({"cniVersion":"1.1.0"})"), Code::InvalidEnv, "STATUS");
}

TEST_CASE("dispatch: CNI_NETNS naming the plugin's own netns is code 8 for ADD, CHECK and DEL, unless overridden") {
  Recorder r;
  // Another path to the same namespace: identity counts, not the text of the path.
  for (const char* own : {"/proc/self/ns/net", "/proc/thread-self/ns/net"}) {
    for (const char* cmd : {"ADD", "CHECK", "DEL"}) {
      CAPTURE(own);
      CAPTURE(cmd);
      auto env = add_env();
      env["CNI_COMMAND"] = cmd;
      env["CNI_NETNS"] = own;
      check_error(run(r.handlers(), env, kConf), Code::InvalidNetns, "should not be the same");
    }
  }
  CHECK(r.calls.empty());
  auto env = add_env();
  env["CNI_NETNS"] = "/proc/self/ns/net";
  for (const char* yes : {"1", "true", "TRUE"}) {
    env["CNI_NETNS_OVERRIDE"] = yes;
    CHECK(run(r.handlers(), env, kConf).rc == 0);
  }
  env["CNI_NETNS_OVERRIDE"] = "0";
  check_error(run(r.handlers(), env, kConf), Code::InvalidNetns, "should not be the same");
  // Another namespace type, a missing path, a plain file: not the plugin's netns; the verb judges them.
  for (const char* other : {"/proc/self/ns/mnt", "/run/netns/does-not-exist", "/dev/null"}) {
    env = add_env();
    env["CNI_NETNS"] = other;
    CHECK(run(r.handlers(), env, kConf).rc == 0);
  }
  CHECK(r.calls.size() == 6);
}
