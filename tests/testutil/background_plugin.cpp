#include "tests/testutil/background_plugin.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace nexus::testutil {

BackgroundPlugin::BackgroundPlugin(const TempDir& scratch, const std::string& plugin,
                                   const std::vector<std::string>& env, const std::string& config)
    : out_path_(scratch.path() + "/stdout") {
  const std::string in_path = scratch.path() + "/stdin";
  std::ofstream(in_path) << config;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv{const_cast<char*>(plugin.c_str()), nullptr};
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, plugin.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
}

BackgroundPlugin::~BackgroundPlugin() {
  if (pid_ > 0) wait();
}

bool BackgroundPlugin::running() const {
  siginfo_t info{};
  return ::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

void BackgroundPlugin::kill() { ::kill(pid_, SIGKILL); }

bool BackgroundPlugin::wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string BackgroundPlugin::stdout_text() const { return read_file(out_path_); }

std::vector<std::string> plugin_env(const std::string& command, const std::string& id, const std::string& netns,
                                    const std::string& cni_path) {
  return {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND=" + command, "CNI_CONTAINERID=" + id,
          "CNI_NETNS=" + netns, "CNI_IFNAME=eth0", "CNI_PATH=" + cni_path};
}

std::pair<char, pid_t> stat_of(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return {0, 0};
  std::istringstream rest(stat.substr(close + 2));
  char state = 0;
  pid_t ppid = 0;
  rest >> state >> ppid;
  return {state, ppid};
}

void die_now() {
  ::raise(SIGKILL);
  ::_exit(5);  // unreachable
}

void run_until_killed(const std::function<void()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(4);  // returned instead of dying
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE_MESSAGE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL),
                  "the killed caller failed or returned first: status " << status);
}

bool wait_dead(pid_t pid, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const char state = state_of(pid);
    if (state == 0 || state == 'Z' || state == 'X') return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace nexus::testutil
