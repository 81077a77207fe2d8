#include "shared/cni/builtin_plugin.h"

#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>

#include "shared/cni/build_identity.h"
#include "shared/cni/delegate.h"
#include "shared/util/elf_note.h"

namespace nexus::cni {
namespace {

std::optional<BuiltinPlugin>& registered() {
  static std::optional<BuiltinPlugin> plugin;
  return plugin;
}

bool flag_set(const char* variable) {
  const char* v = std::getenv(variable);
  return v && *v && std::string_view(v) != "0";
}

// delegate_timeout() would not have cut the exec'd plugin short of what the verbs do by themselves.
bool timeout_allows(const BuiltinPlugin& p) {
  const auto limit = delegate_timeout();
  return limit.count() == 0 || limit >= p.longest_run;
}

const char* why_exec(const BuiltinPlugin* p, const std::string& type, const std::string& path) {
  if (!p || p->type != type) return "no built-in plugin of this type";
  if (flag_set(kDelegateExecVariable)) return kDelegateExecVariable;
  if (!timeout_allows(*p)) return "the delegate timeout is shorter than the plugin's own limits";
  if (read_elf_note(path, kBuildIdentityNoteOwner, kBuildIdentityNoteType) != p->identity)
    return "not this build";
  return nullptr;
}

}  // namespace

void register_builtin_plugin(BuiltinPlugin plugin) { registered() = std::move(plugin); }

const BuiltinPlugin* builtin_for(const std::string& type, const std::string& path, const std::string& command) {
  const BuiltinPlugin* p = registered() ? &*registered() : nullptr;
  const char* why = why_exec(p, type, path);
  if (flag_set(kDelegateTraceVariable)) {
    std::cerr << "nexus delegate: " << type << " " << command << ": "
              << (why ? "exec " + path + " (" + why + ")" : "in-process (" + path + " is this build)") << '\n';
  }
  return why ? nullptr : p;
}

ExecResult run_builtin(const BuiltinPlugin& plugin, const Environment& env, std::string_view stdin_data) {
  std::istringstream in{std::string(stdin_data)};
  std::ostringstream out;
  ExecResult r;
  r.exit_code = dispatch(plugin.handlers, env, in, out);
  r.out = out.str();
  return r;
}

}  // namespace nexus::cni
