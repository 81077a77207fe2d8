#include "shared/cni/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "shared/cni/error.h"
#include "shared/util/pipe.h"

namespace nexus::cni {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

class SpawnConfig {
 public:
  SpawnConfig() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
    // The child must start with default signal dispositions whatever ours are.
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

// Writes to a plugin that exited early must fail with EPIPE, not kill us: MSG_NOSIGNAL exists only for
// sockets, so SIGPIPE is ignored for the whole process from the first plugin started on.
void ignore_sigpipe() {
  static const bool done = [] {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, nullptr);
    return true;
  }();
  (void)done;
}

// Writes what the pipe takes without blocking; true once everything is written.
bool write_some(int fd, std::string_view data, size_t& written) {
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;  // EAGAIN: the pipe is full; EPIPE: the plugin stopped reading
    }
  }
  return true;
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

RunningPlugin::RunningPlugin(const std::string& path, const Environment& env, std::string_view stdin_data,
                             bool capture_stderr, bool hold_stdin)
    : path_(path), stdin_data_(stdin_data), held_(hold_stdin) {
  Pipe in = make_pipe("pipe"), out = make_pipe("pipe"), err;
  if (capture_stderr) err = make_pipe("pipe");
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

  ignore_sigpipe();
  pid_ = spawn.spawn(path, argv, envp.data());
  in_ = std::move(in.write);
  out_ = std::move(out.read);
  err_ = std::move(err.read);
  ::fcntl(in_.get(), F_SETFL, O_NONBLOCK);
  // A configuration that fits the pipe (nearly all do) is written now, so the plugin can read it at once.
  if (write_some(in_.get(), stdin_data_, written_) && !held_) in_.reset();
}

RunningPlugin::RunningPlugin(RunningPlugin&& other) noexcept
    : path_(std::move(other.path_)),
      pid_(std::exchange(other.pid_, -1)),
      stdin_data_(other.stdin_data_),
      written_(other.written_),
      held_(other.held_),
      in_(std::move(other.in_)),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)),
      result_(std::move(other.result_)) {}

RunningPlugin::~RunningPlugin() {
  if (pid_ <= 0) return;
  try {
    release(false);
    finish();
  } catch (...) {
    // a destructor cannot report it; the child is reaped either way
  }
}

void RunningPlugin::release(bool go) {
  if (!held_) return;
  held_ = false;
  if (!go) {
    ::kill(pid_, SIGKILL);
    in_.reset();
  } else if (written_ == stdin_data_.size()) {
    in_.reset();  // the end of its stdin: the plugin proceeds
  }
}

// Feeds the rest of stdin and drains stdout/stderr together so that neither side can block on a full pipe.
ExecResult RunningPlugin::finish() {
  if (pid_ <= 0) return std::move(result_);
  release(true);
  char buf[16384];
  while (out_ || err_ || in_) {
    pollfd fds[3] = {{in_.get(), POLLOUT, 0}, {out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw sys_error("wait for plugin output", errno);
    }
    if (in_ && fds[0].revents) {
      if (write_some(in_.get(), stdin_data_, written_) || (errno != EAGAIN && errno != EINTR)) in_.reset();
    }
    UniqueFd* readers[2] = {&out_, &err_};
    std::string* sinks[2] = {&result_.out, &result_.err};
    for (int i = 0; i < 2; ++i) {
      if (!*readers[i] || !fds[i + 1].revents) continue;
      const ssize_t n = ::read(readers[i]->get(), buf, sizeof buf);
      if (n > 0) sinks[i]->append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) readers[i]->reset();
    }
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) throw sys_error("wait for plugin '" + path_ + "'", errno);
  }
  pid_ = -1;
  if (WIFSIGNALED(status)) {
    result_.term_signal = WTERMSIG(status);
    result_.exit_code = 128 + result_.term_signal;
  } else {
    result_.exit_code = WEXITSTATUS(status);
  }
  return std::move(result_);
}

ExecResult exec_plugin(const std::string& path, const Environment& env, std::string_view stdin_data,
                       bool capture_stderr) {
  return RunningPlugin(path, env, stdin_data, capture_stderr, /*hold_stdin=*/false).finish();
}

}  // namespace nexus::cni
