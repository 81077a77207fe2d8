#include "tests/testutil/background_command.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "tests/testutil/temp_dir.h"

extern char** environ;

namespace nexus::testutil {

BackgroundCommand::BackgroundCommand(const std::vector<std::string>& argv, const std::string& log_prefix)
    : log_prefix_(log_prefix) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, (log_prefix + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, (log_prefix + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv.at(0) + ": " + std::strerror(rc));
}

BackgroundCommand::~BackgroundCommand() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    wait_for(std::chrono::seconds(10));
  }
}

bool BackgroundCommand::running() { return !wait_for(std::chrono::milliseconds(0)); }

std::optional<int> BackgroundCommand::wait_for(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!exit_code_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else if (r < 0 && errno != EINTR) {
      exit_code_ = -1;  // not our child any more: nothing left to wait for
    } else if (std::chrono::steady_clock::now() >= deadline) {
      break;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return exit_code_;
}

int BackgroundCommand::stop(std::chrono::milliseconds grace) {
  if (!exit_code_) ::kill(pid_, SIGTERM);
  if (!wait_for(grace)) ::kill(pid_, SIGKILL);
  return wait_for(std::chrono::seconds(10)).value_or(-1);
}

std::string BackgroundCommand::out() const { return read_file(log_prefix_ + ".out"); }
std::string BackgroundCommand::err() const { return read_file(log_prefix_ + ".err"); }

}  // namespace nexus::testutil
