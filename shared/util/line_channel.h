#pragma once
// Newline-framed messages between two processes over a pair of pipes.
#include <optional>
#include <string>
#include <string_view>

#include "shared/util/unique_fd.h"

namespace nexus {

/// One end of a two-way channel. A message is one line: it must not contain '\n' (dumped JSON never does).
class LineChannel {
 public:
  LineChannel() = default;
  LineChannel(UniqueFd in, UniqueFd out) : in_(std::move(in)), out_(std::move(out)) {}

  /// Writes one message; false when the peer is gone (EPIPE) or the write failed.
  bool send(std::string_view message);
  /// Blocks for the next message; nullopt when the peer closed its end (exited) without sending one.
  std::optional<std::string> receive();
  /// True when receive() would not block: a whole message is buffered, or the pipe is readable.
  bool ready(int timeout_ms = 0);
  /// Readable when a message (or EOF) is waiting, for poll() alongside other fds.
  int poll_fd() const noexcept { return in_.get(); }
  /// Closes the sending side: the peer's receive() returns nullopt once it has read everything.
  void close_output() noexcept { out_.reset(); }

 private:
  std::optional<std::string> take_line();

  UniqueFd in_, out_;
  std::string buffer_;
};

}  // namespace nexus
