#include "shared/runtime/process.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/runtime/init.h"
#include "shared/runtime/sync_pipe.h"

using namespace nexus::runtime;

TEST_CASE("process identity survives only for the same process") {
  auto self = process_start_time(::getpid());
  REQUIRE(self);
  CHECK(process_alive(::getpid(), *self));
  CHECK_FALSE(process_alive(::getpid(), *self + 1));
  CHECK_FALSE(process_alive(0, 0));
}

TEST_CASE("stop_process stops a child that ignores nothing, and a child that ignores SIGTERM") {
  for (bool ignore_term : {false, true}) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::signal(SIGTERM, ignore_term ? SIG_IGN : SIG_DFL);  // not doctest's crash handler
      (void)!::write(ready[1], "r", 1);                    // the disposition is in place
      for (;;) ::pause();
    }
    ::close(ready[1]);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);  // wait for the child's disposition, not for a delay
    ::close(ready[0]);
    auto start = process_start_time(pid);
    REQUIRE(start);
    stop_process(pid, *start, 100);
    CHECK_FALSE(process_alive(pid, *start));
    CHECK(::waitpid(pid, nullptr, WNOHANG) < 0);  // already reaped by stop_process
  }
}

TEST_CASE("sync pipe: the child waits for go, and reports an error back") {
  SyncPipe sync = SyncPipe::create();
  pid_t pid = ::fork();
  if (pid == 0) {
    sync.close_parent_ends();
    if (!sync.wait_for_parent()) ::_exit(3);
    sync.report_error("mount failed");
    ::_exit(0);
  }
  sync.close_child_ends();
  sync.release_child();
  CHECK(sync.wait_child_started() == "mount failed");
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("sync pipe: a parent that gives up releases the child with false") {
  SyncPipe sync = SyncPipe::create();
  pid_t pid = ::fork();
  if (pid == 0) {
    sync.close_parent_ends();
    ::_exit(sync.wait_for_parent() ? 0 : 3);
  }
  sync.close_child_ends();
  sync = SyncPipe();  // drop the parent's ends without "go"
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WEXITSTATUS(status) == 3);
}

TEST_CASE("init returns the command's status and reports a command that cannot run") {
  auto run = [](std::vector<std::string> command) {
    SyncPipe sync = SyncPipe::create();
    pid_t pid = ::fork();
    if (pid == 0) {
      sync.close_parent_ends();
      ::_exit(run_node_init(command, sync.report_fd()));
    }
    sync.close_child_ends();
    std::string report = sync.wait_child_started();
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::make_pair(WEXITSTATUS(status), report);
  };
  CHECK(run({"sh", "-c", "exit 7"}) == std::make_pair(7, std::string()));
  auto [code, report] = run({"/nonexistent/cmd"});
  CHECK(code == 127);
  CHECK(report.find("cannot run '/nonexistent/cmd'") != std::string::npos);
}
