#include "launcher/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>

#include "shared/base/error.h"

namespace nexus::launcher {
namespace {

// Raw mode on our terminal for the relay's lifetime.
class RawMode {
 public:
  RawMode() {
    if (::isatty(STDIN_FILENO) == 0 || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawMode() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

PseudoTerminal PseudoTerminal::open() {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master || ::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0)
    throw sys_error("open a pseudo-terminal for -t", errno);
  char name[128];
  if (::ptsname_r(master.get(), name, sizeof name) != 0) throw sys_error("name the pseudo-terminal", errno);
  UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) throw sys_error(std::string("open ") + name, errno);
  winsize size{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0) ::ioctl(slave.get(), TIOCSWINSZ, &size);
  return PseudoTerminal(std::move(master), std::move(slave));
}

bool PseudoTerminal::become_controlling_terminal() noexcept {
  master_.reset();
  if (::setsid() < 0 || ::ioctl(slave_.get(), TIOCSCTTY, 0) != 0) return false;
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
    if (::dup2(slave_.get(), fd) < 0) return false;
  slave_.reset();
  return true;
}

void PseudoTerminal::relay() {
  slave_.reset();  // else the master never sees the command side close
  const RawMode raw;
  bool stdin_open = true;
  char buf[4096];
  for (;;) {
    pollfd fds[2] = {{master_.get(), POLLIN, 0}, {STDIN_FILENO, static_cast<short>(stdin_open ? POLLIN : 0), 0}};
    if (::poll(fds, stdin_open ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(master_.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // EIO: every holder of the command side has closed it
      if (!write_all(STDOUT_FILENO, buf, static_cast<size_t>(n))) return;
    }
    if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // Our input ended (a pipe, not a terminal): the command reads end-of-file, as from a terminal's ^D.
        stdin_open = false;
        const char eof = 4;
        write_all(master_.get(), &eof, 1);
        continue;
      }
      if (!write_all(master_.get(), buf, static_cast<size_t>(n))) return;
    }
  }
}

}  // namespace nexus::launcher
