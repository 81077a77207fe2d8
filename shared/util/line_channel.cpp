#include "shared/util/line_channel.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace nexus {

bool LineChannel::send(std::string_view message) {
  std::string line(message);
  line += '\n';
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(out_.get(), line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string> LineChannel::take_line() {
  const size_t end = buffer_.find('\n');
  if (end == std::string::npos) return std::nullopt;
  std::string line = buffer_.substr(0, end);
  buffer_.erase(0, end + 1);
  return line;
}

std::optional<std::string> LineChannel::receive() {
  for (;;) {
    if (auto line = take_line()) return line;
    char chunk[4096];
    const ssize_t n = ::read(in_.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // EOF: a partial line without its '\n' is not a message
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

bool LineChannel::ready(int timeout_ms) {
  if (buffer_.find('\n') != std::string::npos) return true;
  pollfd p{.fd = in_.get(), .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

}  // namespace nexus
