#pragma once
// Defers Ctrl-C and termination while a command changes state, so an interrupted create still rolls back
// (or completes) instead of leaving half a node for `nexus gc`. Pending signals act when the block ends.
#include <signal.h>

namespace nexus::launcher {

class SignalBlock {
 public:
  SignalBlock() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
    ::sigprocmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalBlock() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;

 private:
  sigset_t old_;
};

}  // namespace nexus::launcher
