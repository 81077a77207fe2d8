#include "shared/cni/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "shared/base/error.h"
#include "shared/cni/spawn.h"
#include "shared/util/pipe.h"

namespace nexus::cni {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

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

// Everything up to the last non-blank byte: a JSON document (an object, for a CNI configuration) without it is
// truncated, and no parser, however lenient or streaming, can take it for a complete one.
size_t held_back_limit(std::string_view data) {
  const size_t last = data.find_last_not_of(" \t\r\n");
  return last == std::string_view::npos ? data.size() : last;
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
                             const SpawnOptions& options)
    : path_(path),
      stdin_data_(stdin_data),
      held_(options.hold_stdin),
      timeout_(options.timeout) {
  Pipe in = make_pipe("pipe"), out = make_pipe("pipe"), err;
  if (options.capture_stderr) err = make_pipe("pipe");

  std::vector<std::string> env_strings;
  env_strings.reserve(env.size());
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = path;
  char* argv[] = {arg0.data(), nullptr};

  ignore_sigpipe();
  pid_ = spawn_plugin_process({.path = &path_, .argv = argv, .envp = envp.data(), .stdin_fd = in.read.get(),
                               .stdout_fd = out.write.get(), .stderr_fd = err.write ? err.write.get() : -1,
                               .die_with_parent = options.die_with_parent});
  if (!held_) start_clock();
  in_ = std::move(in.write);
  out_ = std::move(out.read);
  err_ = std::move(err.read);
  ::fcntl(in_.get(), F_SETFL, O_NONBLOCK);
  // A configuration that fits the pipe (nearly all do) is written now, so the plugin can read it at once.
  // A held plugin gets all but the last byte.
  const size_t now = held_ ? held_back_limit(stdin_data_) : stdin_data_.size();
  if (write_some(in_.get(), stdin_data_.substr(0, now), written_) && now == stdin_data_.size()) in_.reset();
}

RunningPlugin::RunningPlugin(RunningPlugin&& other) noexcept
    : path_(std::move(other.path_)),
      pid_(std::exchange(other.pid_, -1)),
      stdin_data_(other.stdin_data_),
      written_(other.written_),
      held_(other.held_),
      timeout_(other.timeout_),
      deadline_(other.deadline_),
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

void RunningPlugin::start_clock() {
  if (timeout_.count() > 0) deadline_ = std::chrono::steady_clock::now() + timeout_;
}

void RunningPlugin::release(bool go) {
  if (!held_) return;
  held_ = false;
  if (!go) {
    ::kill(pid_, SIGKILL);
    in_.reset();
    return;
  }
  start_clock();
  // The go signal. A pipe still full of the configuration's start takes the rest in finish().
  if (written_ == held_back_limit(stdin_data_) && write_some(in_.get(), stdin_data_, written_)) in_.reset();
}

void RunningPlugin::kill_and_reap() {
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

// Feeds the rest of stdin and drains stdout/stderr together so that neither side can block on a full pipe.
ExecResult RunningPlugin::finish() {
  if (pid_ <= 0) return std::move(result_);
  release(true);
  char buf[16384];
  while (out_ || err_ || in_) {
    int wait_ms = -1;
    if (timeout_.count() > 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        kill_and_reap();
        result_.term_signal = SIGKILL;
        result_.exit_code = 128 + SIGKILL;
        result_.timed_out = timeout_;
        return std::move(result_);
      }
      wait_ms = static_cast<int>(left.count());
    }
    pollfd fds[3] = {{in_.get(), POLLOUT, 0}, {out_.get(), POLLIN, 0}, {err_.get(), POLLIN, 0}};
    const int ready = ::poll(fds, 3, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw sys_error("wait for plugin output", errno);
    }
    if (ready == 0) continue;  // the deadline: checked above
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
  return RunningPlugin(path, env, stdin_data, {.capture_stderr = capture_stderr}).finish();
}

}  // namespace nexus::cni
