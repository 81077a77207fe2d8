#pragma once
// The one error type of Nexus, on the ground floor so every module may throw it. Every failure that reaches a
// runtime is an Error whose code is one of the spec's (SPEC.md "Error") or Nexus's own (100 and up), so the
// runtime can tell bad input from a transient condition. Its JSON form is the protocol's: shared/cni/error_json.h.
#include <stdexcept>
#include <string>

namespace nexus {

enum class Code : unsigned {
  Unknown = 0,
  IncompatibleVersion = 1,
  UnsupportedField = 2,
  UnknownContainer = 3,
  InvalidEnv = 4,
  IoFailure = 5,
  DecodeFailure = 6,
  InvalidConfig = 7,
  InvalidNetns = 8,
  TryAgainLater = 11,
  NotAvailable = 50,
  LimitedConnectivity = 51,
  // Nexus's own, 100 and up (the spec leaves them to plugins):
  KernelLacksFeature = 100,  // the configuration needs a kernel feature this kernel was built without
  PortAlreadyPublished = 101,  // a host port (protocol, hostIP, port) another attachment has published
  FirewalldRejectsForwarding = 102,  // firewalld's zones reject what the host forwards from the bridge
  Internal = 999,
};

/// A failure with a CNI error code; what() is the short message, details() the longer one.
class Error : public std::runtime_error {
 public:
  Error(Code code, std::string msg, std::string details = {})
      : std::runtime_error(std::move(msg)), code_(code), details_(std::move(details)) {}
  Code code() const noexcept { return code_; }
  const std::string& details() const noexcept { return details_; }

 private:
  Code code_;
  std::string details_;
};

/// A failed system call or netlink request: code 999 (or 11 when retrying may help), message "<what>: <reason>".
Error sys_error(const std::string& what, int err);

}  // namespace nexus
