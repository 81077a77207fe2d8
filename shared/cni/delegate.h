#pragma once
// Section 4 of the spec: running a delegated (IPAM) plugin with the same environment and configuration.
#include <string>

#include "shared/cni/exec.h"
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

/// A delegated call whose plugin runs while the caller does independent work (an IPAM ADD while the veth is
/// created). A gated call holds the plugin at the end of its stdin until release(): its exec and start-up
/// overlap the caller's work, yet it acts only when allowed.
class PendingDelegate {
 public:
  PendingDelegate(std::string type, RunningPlugin plugin) : type_(std::move(type)), plugin_(std::move(plugin)) {}

  /// Lets a gated plugin act; no-op otherwise or when already released.
  void release() { plugin_.release(true); }
  /// Releases, then waits for the plugin's stdout; re-throws the plugin's error.
  std::string get();

  // The destructor (RunningPlugin's) kills a gated plugin never released, which has not acted, and reaps it.

 private:
  std::string type_;
  RunningPlugin plugin_;
};

/// Starts `command` through the plugin `type`; `req` must outlive the returned object.
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
