#include "shared/runtime/plugin_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "shared/cni/error.h"
#include "shared/util/unique_fd.h"

namespace nexus::runtime {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw cni::sys_error("create pipe", errno);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Feeds stdin and drains stdout/stderr together: a plugin that writes a large result before reading all of its
// input must not deadlock against us.
void pump(UniqueFd& in, std::string_view data, UniqueFd& out, UniqueFd& err, ExecResult& result) {
  size_t written = 0;
  if (data.empty()) in.reset();
  char buf[16384];
  while (out || err) {
    pollfd fds[3] = {{in.get(), POLLOUT, 0}, {out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw cni::sys_error("poll plugin pipes", errno);
    }
    if (in && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::write(in.get(), data.data() + written, data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 && errno != EINTR && errno != EAGAIN) in.reset();  // EPIPE: the plugin stopped reading
      if (written == data.size()) in.reset();
    }
    UniqueFd* readers[2] = {&out, &err};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (!*readers[i] || !(fds[i + 1].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      ssize_t n = ::read(readers[i]->get(), buf, sizeof buf);
      if (n > 0) sinks[i]->append(buf, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) readers[i]->reset();
    }
  }
}

// Writing to a plugin that exited early raises SIGPIPE; keep it pending for the pump (EPIPE is handled there)
// and drop it afterwards, so the library never changes the process's signal dispositions.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    timespec zero{0, 0};
    while (::sigtimedwait(&set, nullptr, &zero) > 0) {
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t old_;
};

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw cni::sys_error("wait for plugin", errno);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

std::string find_plugin(const std::string& type, const std::string& cni_path) {
  if (type.empty() || type.find('/') != std::string::npos || type == "." || type == "..") {
    throw cni::Error(cni::Code::InvalidConfig, "invalid plugin type '" + type + "'",
                     "the 'type' key must name a binary in CNI_PATH, without '/'");
  }
  std::stringstream dirs(cni_path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + type;
    if (is_executable_file(candidate)) return candidate;
  }
  throw cni::Error(cni::Code::Internal, "failed to find plugin '" + type + "' in path [" + cni_path + "]",
                   "install the plugin or point --cni-path at the directory that holds it");
}

ExecResult exec_plugin(const std::string& path, const std::vector<std::string>& env, std::string_view stdin_data) {
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), 2);
  // The plugin starts with default signal handling whatever the caller blocked or ignored.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv{const_cast<char*>(path.c_str()), nullptr};
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw cni::sys_error("execute plugin " + path, rc);
  in.read.reset();
  out.write.reset();
  err.write.reset();
  ExecResult result;
  SigpipeBlock no_sigpipe;
  pump(in.write, stdin_data, out.read, err.read, result);
  result.exit_code = wait_exit_code(pid);
  return result;
}

}  // namespace nexus::runtime
