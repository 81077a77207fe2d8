#include "shared/runtime/sync_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "shared/base/error.h"
#include "shared/util/pipe.h"

namespace nexus::runtime {
namespace {

// dup3 keeps the target close-on-exec, so an exec in the child still reads as "started" to the parent.
void renumber(UniqueFd& fd, int target) {
  if (fd.get() == target) return;
  if (::dup3(fd.get(), target, O_CLOEXEC) < 0) throw sys_error("dup sync pipe", errno);
  fd.reset(target);
}

}  // namespace

SyncPipe SyncPipe::create() {
  SyncPipe p;
  Pipe go = make_pipe("sync pipe"), report = make_pipe("sync pipe");
  p.go_read_ = std::move(go.read);
  p.go_write_ = std::move(go.write);
  p.report_read_ = std::move(report.read);
  p.report_write_ = std::move(report.write);
  return p;
}

void SyncPipe::release_child() {
  const char go = 'G';
  ssize_t n;
  do n = ::write(go_write_.get(), &go, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) throw sys_error("release node process", errno);
  go_write_.reset();
}

std::string SyncPipe::wait_child_started() {
  std::string message;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(report_read_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<size_t>(n));
  }
  report_read_.reset();
  return message;
}

void SyncPipe::close_child_ends() {
  go_read_.reset();
  report_write_.reset();
}

bool SyncPipe::wait_for_parent() {
  char c = 0;
  ssize_t n;
  do n = ::read(go_read_.get(), &c, 1);
  while (n < 0 && errno == EINTR);
  go_read_.reset();
  return n == 1 && c == 'G';
}

void SyncPipe::report_error(const std::string& message) {
  if (!report_write_) return;
  // Messages are short, well under PIPE_BUF: one write is atomic.
  [[maybe_unused]] ssize_t n = ::write(report_write_.get(), message.data(), message.size());
}

void SyncPipe::close_parent_ends() {
  go_write_.reset();
  report_read_.reset();
}

void SyncPipe::close_report() { report_write_.reset(); }

void SyncPipe::move_child_ends(int go, int report) {
  // Move both out of the way first so that renumbering one cannot clobber the other.
  int high_go = ::fcntl(go_read_.get(), F_DUPFD_CLOEXEC, 100);
  int high_report = ::fcntl(report_write_.get(), F_DUPFD_CLOEXEC, 100);
  if (high_go < 0 || high_report < 0) throw sys_error("dup sync pipe", errno);
  go_read_.reset(high_go);
  report_write_.reset(high_report);
  renumber(go_read_, go);
  renumber(report_write_, report);
}

}  // namespace nexus::runtime
