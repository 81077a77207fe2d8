// The helper process of shared/util/detached_child.h and the reply protocol of shared/cni/child_reply.h.
#include "shared/util/detached_child.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <fstream>
#include <string>

#include "shared/base/error.h"
#include "shared/cni/child_reply.h"
#include "tests/testutil/background_plugin.h"
#include "tests/testutil/temp_dir.h"
#include "tests/testutil/wait.h"

using nexus::DetachedChild;
using nexus::LineChannel;
namespace cni = nexus::cni;

namespace {

std::string fd_target(int fd) {
  char buf[PATH_MAX] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("(closed)");
}

}  // namespace

TEST_CASE("detached child: messages both ways, one line each") {
  DetachedChild child = DetachedChild::start([](LineChannel& channel) {
    while (auto line = channel.receive()) channel.send("echo:" + *line);
    return 0;
  });
  CHECK(child.channel().send("one"));
  CHECK(child.channel().send("{\"two\": 2}"));
  CHECK(child.channel().receive() == std::optional<std::string>("echo:one"));
  CHECK(child.channel().receive() == std::optional<std::string>("echo:{\"two\": 2}"));
}

TEST_CASE("detached child: stdio is /dev/null and no other inherited descriptor stays open") {
  int runtime_pipe[2];
  REQUIRE(::pipe(runtime_pipe) == 0);  // stands for a runtime's stdout pipe, without O_CLOEXEC on purpose
  const std::string runtime_pipe_target = fd_target(runtime_pipe[1]);
  DetachedChild child = DetachedChild::start([](LineChannel& channel) {
    std::string open;  // every open descriptor but the channel's two ends (3 and 4)
    for (int fd = 0; fd < 1024; ++fd)
      if (fd != 3 && fd != 4 && fd_target(fd) != "(closed)") open += std::to_string(fd) + "=" + fd_target(fd) + " ";
    channel.send(open);
    channel.receive();  // stay alive until the parent is done looking
    return 0;
  });
  ::close(runtime_pipe[1]);
  const std::string open = child.channel().receive().value_or("(none)");
  CHECK(open == "0=/dev/null 1=/dev/null 2=/dev/null ");
  CHECK(open.find(runtime_pipe_target) == std::string::npos);
  // The child is still running, yet the pipe's reader sees EOF: nobody else holds its write end.
  pollfd p{.fd = runtime_pipe[0], .events = POLLIN, .revents = 0};
  REQUIRE(::poll(&p, 1, 2000) == 1);
  char c;
  CHECK(::read(runtime_pipe[0], &c, 1) == 0);
  ::close(runtime_pipe[0]);
}

TEST_CASE("detached child: a reply carries the step's CNI error, code and all") {
  DetachedChild child = DetachedChild::start([](LineChannel& channel) {
    cni::reply_to_parent(channel, [] {});
    cni::reply_to_parent(channel, [] { throw nexus::Error(nexus::Code::InvalidConfig, "bad thing", "why it is bad"); });
    return 0;
  });
  CHECK_NOTHROW(cni::await_reply(child.channel(), "first step"));
  try {
    cni::await_reply(child.channel(), "second step");
    FAIL("the second step's error was not re-thrown");
  } catch (const nexus::Error& e) {
    CHECK(e.code() == nexus::Code::InvalidConfig);
    CHECK(std::string(e.what()) == "bad thing");
    CHECK(e.details() == "why it is bad");
  }
}

TEST_CASE("detached child: exiting without a reply is an error, not a hang") {
  DetachedChild child = DetachedChild::start([](LineChannel&) { return 3; });
  try {
    cni::await_reply(child.channel(), "the step");
    FAIL("no error for a helper that died");
  } catch (const nexus::Error& e) {
    CHECK(e.code() == nexus::Code::Internal);
    CHECK(std::string(e.what()).find("the step") != std::string::npos);
  }
}

TEST_CASE("detached child: the parent does not wait for a child that is still working") {
  // The child's "kernel cleanup" lasts until the test creates `go`, after the parent's side is destroyed: a
  // destructor that waited for the child could only return once the child gave up (10 s), and then the child
  // is gone. No wall-clock bound, so a loaded machine cannot make it flake.
  nexus::testutil::TempDir dir;
  const std::string go = dir.path() + "/go";
  pid_t pid = -1;
  {
    DetachedChild child = DetachedChild::start([&go](LineChannel& channel) {
      channel.send(std::to_string(::getpid()));
      (void)channel.receive();  // nullopt: the parent's side is closed
      return nexus::testutil::wait_until([&] { return ::access(go.c_str(), F_OK) == 0; }, std::chrono::seconds(10))
                 ? 0
                 : 1;
    });
    const auto started = child.channel().receive();
    REQUIRE(started);
    pid = std::stoi(*started);
  }  // destroyed while the child works
  CHECK(::kill(pid, 0) == 0);  // still running, not waited for (it exits only after `go`)
  std::ofstream(go) << "";
  int status = -1;
  REQUIRE(::waitpid(pid, &status, 0) == pid);  // left to us: nobody else reaps a child of this test process
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

TEST_CASE("detached child: dies with the plugin, not acting on its own after the plugin was killed") {
  nexus::testutil::TempDir dir;
  const std::string acted = dir.path() + "/acted";
  pid_t helper = -1;
  int pid_pipe[2];
  REQUIRE(::pipe(pid_pipe) == 0);
  nexus::testutil::run_until_killed([&] {
    DetachedChild child = DetachedChild::start([&](LineChannel& channel) {
      channel.send(std::to_string(::getpid()));
      ::usleep(300 * 1000);  // a step still to come when the plugin dies
      ::close(::open(acted.c_str(), O_CREAT | O_WRONLY, 0600));
      return 0;
    });
    const std::string pid = child.channel().receive().value_or("");
    (void)!::write(pid_pipe[1], pid.data(), pid.size());
    nexus::testutil::die_now();
  });
  ::close(pid_pipe[1]);
  char buf[32] = {};
  REQUIRE(::read(pid_pipe[0], buf, sizeof buf - 1) > 0);
  ::close(pid_pipe[0]);
  helper = std::stoi(buf);
  CHECK(nexus::testutil::wait_dead(helper, 1000));
  ::usleep(500 * 1000);
  CHECK(nexus::testutil::read_file(acted).empty());
  CHECK(::access(acted.c_str(), F_OK) != 0);
}
