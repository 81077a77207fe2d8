#pragma once
// Section 4 of the spec: running a delegated (IPAM) plugin with the same environment and configuration.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "shared/cni/exec.h"
#include "shared/cni/request.h"
#include "shared/cni/result.h"

namespace nexus::cni {

struct BuiltinPlugin;

// Every delegated plugin is SIGKILLed if we die (a plugin killed by its runtime leaves no IPAM acting alone)
// and is waited for at most delegate_timeout() after it was let go: then it is killed and reaped, and the
// call fails with code 11 naming the plugin and the limit.

/// The limit, in milliseconds, from the environment of the delegating plugin (0: none); for tests, and for a
/// delegate known to take long (a DHCP IPAM waiting for a lease).
inline constexpr const char* kDelegateTimeoutVariable = "NEXUS_DELEGATE_TIMEOUT_MS";
inline constexpr std::chrono::milliseconds kDefaultDelegateTimeout{60000};
std::chrono::milliseconds delegate_timeout();

/// DEL, CHECK, GC and STATUS through the plugin `type` (same environment and stdin, CNI_COMMAND replaced).
void delegate_del(const std::string& type, const Request& req);
void delegate_check(const std::string& type, const Request& req);
void delegate_gc(const std::string& type, const Request& req);
void delegate_status(const std::string& type, const Request& req);

/// A delegated call whose plugin runs while the caller does independent work (an IPAM ADD while the veth is
/// created). A gated call holds the plugin short of the last byte of its configuration until release() (see
/// SpawnOptions::hold_stdin): its exec and start-up overlap the caller's work, yet it acts only when allowed,
/// and never if we die first.
class PendingDelegate {
 public:
  PendingDelegate(std::string type, RunningPlugin plugin) : type_(std::move(type)), plugin_(std::move(plugin)) {}
  /// The plugin built in (shared/cni/builtin_plugin.h), run in-process where the exec'd one would act: at once,
  /// or at release() when gated. `stdin_data` must outlive the object.
  PendingDelegate(std::string type, const BuiltinPlugin& builtin, Environment env, std::string_view stdin_data,
                  bool gated);

  /// Lets a gated plugin act; no-op otherwise or when already released.
  void release();
  /// Releases, then waits for the plugin's stdout; re-throws the plugin's error.
  std::string get();
  /// True once get() saw the plugin exit by itself (with its answer or its error), false when it was killed
  /// (by a signal, or at the timeout): then it may have acted part-way.
  bool exited() const noexcept { return exited_; }
  /// The plugin's process id until get() reaped it; -1 in-process.
  pid_t pid() const noexcept { return plugin_ ? plugin_->pid() : -1; }

  // The destructor (RunningPlugin's) kills a gated plugin never released, which has not acted, and reaps it; a
  // built-in one never released never ran.

 private:
  std::string type_;
  std::optional<RunningPlugin> plugin_;  // exec'd; else in-process:
  const BuiltinPlugin* builtin_ = nullptr;
  Environment env_;
  std::string_view stdin_data_;
  std::optional<ExecResult> builtin_result_;  // its stdout and exit code, once released
  bool exited_ = false;
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
