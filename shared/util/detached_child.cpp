#include "shared/util/detached_child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "shared/base/error.h"
#include "shared/util/pipe.h"

namespace nexus {
namespace {

// In the child: stdio to /dev/null, the channel's two ends on fds 3 and 4, nothing else open.
void isolate_descriptors(int channel_in, int channel_out) {
  // Park the channel above any descriptor it could collide with, then move it down.
  const int in = ::fcntl(channel_in, F_DUPFD_CLOEXEC, 64);
  const int out = ::fcntl(channel_out, F_DUPFD_CLOEXEC, 64);
  if (in < 0 || out < 0) ::_exit(120);
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) ::_exit(121);
  for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);  // dup2 clears FD_CLOEXEC: stdio stays valid
  if (::dup3(in, 3, O_CLOEXEC) < 0 || ::dup3(out, 4, O_CLOEXEC) < 0) ::_exit(122);
  ::close_range(5, ~0U, 0);
}

}  // namespace

DetachedChild DetachedChild::start(const std::function<int(LineChannel&)>& body) {
  Pipe to_child = make_pipe("a pipe for a helper process");
  Pipe from_child = make_pipe("a pipe for a helper process");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw sys_error("fork a helper process", errno);
  if (pid == 0) {
    // Dies with the plugin (see the header); a plugin that died before the prctl would signal nobody.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(123);
    isolate_descriptors(to_child.read.release(), from_child.write.release());
    ::signal(SIGPIPE, SIG_IGN);  // a parent that already exited shows up as a failed send, not a kill
    int status = 1;
    try {
      LineChannel channel{UniqueFd(3), UniqueFd(4)};
      status = body(channel);
    } catch (...) {
      status = 1;
    }
    ::_exit(status);  // no atexit handlers, no stdio flushing: those belong to the parent
  }
  return DetachedChild(pid, LineChannel(std::move(from_child.read), std::move(to_child.write)));
}

DetachedChild::~DetachedChild() {
  if (pid_ <= 0) return;
  channel_.close_output();
  ::waitpid(pid_, nullptr, WNOHANG);
}

}  // namespace nexus
