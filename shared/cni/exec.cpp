#include "shared/cni/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "shared/cni/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::cni {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw sys_error("create pipe", errno);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

class SpawnConfig {
 public:
  SpawnConfig() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
    // The caller may ignore SIGPIPE (we do while feeding stdin); the child must start with default dispositions.
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnConfig() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  SpawnConfig(const SpawnConfig&) = delete;
  SpawnConfig& operator=(const SpawnConfig&) = delete;
  void dup_to(int fd, int target) { posix_spawn_file_actions_adddup2(&actions_, fd, target); }
  pid_t spawn(const std::string& path, char* const argv[], char* const envp[]) {
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, path.c_str(), &actions_, &attr_, argv, envp);
    if (rc != 0) throw sys_error("execute plugin '" + path + "'", rc);
    return pid;
  }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

// Feeds stdin and drains stdout/stderr together so that neither side can block on a full pipe. `end_of_stdin`
// runs when all of `data` is written, just before stdin is closed.
void pump(UniqueFd& in, std::string_view data, UniqueFd& out_fd, UniqueFd& err_fd, ExecResult& result,
          const std::function<void()>& end_of_stdin) {
  size_t written = 0;
  const auto close_stdin = [&] {
    if (written == data.size()) end_of_stdin();
    in.reset();
  };
  if (data.empty()) close_stdin();
  char buf[16384];
  while (out_fd || err_fd || in) {
    pollfd fds[3] = {{in.get(), POLLOUT, 0}, {out_fd.get(), POLLIN, 0}, {err_fd.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw sys_error("wait for plugin output", errno);
    }
    if (in && fds[0].revents) {
      const ssize_t n = ::write(in.get(), data.data() + written, data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EINTR && errno != EAGAIN) in.reset();  // EPIPE: the child stopped reading
      if (in && written == data.size()) close_stdin();
    }
    UniqueFd* readers[2] = {&out_fd, &err_fd};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (!*readers[i] || !fds[i + 1].revents) continue;
      const ssize_t n = ::read(readers[i]->get(), buf, sizeof buf);
      if (n > 0) sinks[i]->append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) readers[i]->reset();
    }
  }
}

}  // namespace

std::string find_plugin(const std::string& type, const std::string& cni_path) {
  std::string_view rest = cni_path;
  while (true) {
    const size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + type;
      if (is_executable_file(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (cni_path.empty())
    throw Error(Code::InvalidEnv, "CNI_PATH is required to find plugin \"" + type + "\" but is empty");
  throw Error(Code::InvalidConfig, "failed to find plugin \"" + type + "\" in CNI_PATH " + cni_path);
}

ExecResult exec_plugin(const std::string& path, const Environment& env, std::string_view stdin_data,
                       bool capture_stderr, const std::function<bool()>& release_stdin) {
  Pipe in = make_pipe(), out = make_pipe(), err;
  if (capture_stderr) err = make_pipe();
  SpawnConfig spawn;
  spawn.dup_to(in.read.get(), 0);
  spawn.dup_to(out.write.get(), 1);
  if (capture_stderr) spawn.dup_to(err.write.get(), 2);

  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = path;
  char* argv[] = {arg0.data(), nullptr};

  // Writing to a child that exited early must give EPIPE, not kill us.
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  const pid_t pid = spawn.spawn(path, argv, envp.data());
  in.read.reset();
  out.write.reset();
  err.write.reset();

  ExecResult result;
  pump(in.write, stdin_data, out.read, err.read, result, [&] {
    if (release_stdin && !release_stdin()) ::kill(pid, SIGKILL);
  });
  ::sigaction(SIGPIPE, &previous, nullptr);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw sys_error("wait for plugin '" + path + "'", errno);
  }
  if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
    result.exit_code = 128 + result.term_signal;
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace nexus::cni
