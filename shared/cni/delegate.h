#pragma once
// Section 4 of the spec: running a delegated (IPAM) plugin with the same environment and configuration.
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

/// Runs `type` with `command` and returns its stdout; throws the plugin's error on failure. `stdin_data`
/// overrides the request's configuration (e.g. a DEL with a prevResult added).
std::string delegate(const std::string& type, const std::string& command, const Request& req,
                     const std::string* stdin_data = nullptr);

/// Re-throws the error a plugin printed (its code, msg and details), or describes how it died.
[[noreturn]] void throw_plugin_error(const std::string& plugin, int exit_code, int term_signal,
                                     const std::string& out);

}  // namespace nexus::cni
