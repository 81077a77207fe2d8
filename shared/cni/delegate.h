#pragma once
// Section 4 of the spec: running a delegated (IPAM) plugin with the same environment and configuration.
#include <future>
#include <memory>
#include <string>

#include "shared/cni/request.h"
#include "shared/cni/result.h"

namespace nexus::cni {

/// ADD through the plugin `type`: its result, parsed in the config's version. A plugin error is re-thrown with
/// the plugin's own code and message.
Result delegate_add(const std::string& type, const Request& req);
/// DEL, CHECK, GC and STATUS through the plugin `type` (same environment and stdin, CNI_COMMAND replaced).
void delegate_del(const std::string& type, const Request& req);
void delegate_check(const std::string& type, const Request& req);
void delegate_gc(const std::string& type, const Request& req);
void delegate_status(const std::string& type, const Request& req);

/// A delegated call running on its own thread while the caller does independent work (an IPAM DEL while the
/// kernel deletes the veth). A gated call starts the plugin at once but holds back the end of its stdin until
/// release(): the plugin's exec and start-up overlap the caller's work, yet it acts only when allowed.
class PendingDelegate {
 public:
  PendingDelegate(std::future<std::string> result, std::shared_ptr<std::promise<bool>> gate)
      : result_(std::move(result)), gate_(std::move(gate)) {}
  PendingDelegate(PendingDelegate&&) = default;
  PendingDelegate& operator=(PendingDelegate&&) = delete;
  /// Kills a gated plugin that was never released (it has not acted), then waits for the thread.
  ~PendingDelegate();

  /// Lets a gated plugin act; no-op otherwise or when already released.
  void release() { open_gate(true); }
  /// Releases, then waits for the plugin's stdout; re-throws the plugin's error.
  std::string get();

 private:
  void open_gate(bool go);

  std::future<std::string> result_;
  std::shared_ptr<std::promise<bool>> gate_;  // null when not gated or already opened
};

/// Starts `command` through the plugin `type` on another thread; `req` must outlive the returned object.
PendingDelegate delegate_async(const std::string& type, const std::string& command, const Request& req,
                               bool gated = false);

/// An ADD's stdout from the plugin `type`, parsed in its cniVersion (the config's when it names none).
Result parse_add_result(const std::string& type, const std::string& out, const Request& req);

/// Runs `type` with `command` and returns its stdout; throws the plugin's error on failure. `stdin_data`
/// overrides the request's configuration (e.g. a DEL with a prevResult added).
std::string delegate(const std::string& type, const std::string& command, const Request& req,
                     const std::string* stdin_data = nullptr);

/// Re-throws the error a plugin printed (its code, msg and details), or describes how it died.
[[noreturn]] void throw_plugin_error(const std::string& plugin, int exit_code, int term_signal,
                                     const std::string& out);

}  // namespace nexus::cni
