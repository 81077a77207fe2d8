#include "shared/cni/delegate.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "shared/base/error.h"
#include "shared/cni/builtin_plugin.h"
#include "shared/cni/exec.h"

namespace nexus::cni {

void throw_plugin_error(const std::string& plugin, int exit_code, int term_signal, const std::string& out) {
  if (term_signal != 0)
    throw Error(Code::Internal, "plugin " + plugin + " was killed by signal " + std::to_string(term_signal));
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_object() && j.contains("code") && j["code"].is_number_unsigned() && j.contains("msg") &&
      j["msg"].is_string()) {
    const std::string details = j.contains("details") && j["details"].is_string() ? j["details"].get<std::string>()
                                                                                    : std::string();
    throw Error(static_cast<Code>(j["code"].get<unsigned>()), j["msg"].get<std::string>(), details);
  }
  throw Error(Code::Internal, "plugin " + plugin + " failed with exit code " + std::to_string(exit_code),
              out.substr(0, 4096));
}

namespace {

std::string limit_text(std::chrono::milliseconds t) {
  return t.count() % 1000 == 0 ? std::to_string(t.count() / 1000) + " s" : std::to_string(t.count()) + " ms";
}

std::string check_output(const std::string& type, const ExecResult& r) {
  if (r.timed_out.count() > 0)
    throw Error(Code::TryAgainLater, "plugin " + type + " did not finish within " + limit_text(r.timed_out) +
                                         "; killed it", std::string("the limit is ") + kDelegateTimeoutVariable);
  if (r.exit_code != 0) throw_plugin_error(type, r.exit_code, r.term_signal, r.out);
  return r.out;
}

// A delegate never outlives us (it would act for nobody) and never hangs us: see delegate_timeout().
SpawnOptions delegate_options(bool gated) {
  return {.capture_stderr = false, .hold_stdin = gated, .die_with_parent = true, .timeout = delegate_timeout()};
}

Environment command_env(const Request& req, const std::string& command) {
  Environment env = req.environment;
  env["CNI_COMMAND"] = command;
  return env;
}

}  // namespace

std::chrono::milliseconds delegate_timeout() {
  if (const char* text = std::getenv(kDelegateTimeoutVariable)) {
    char* end = nullptr;
    const unsigned long long ms = std::strtoull(text, &end, 10);
    if (*text >= '0' && *text <= '9' && *end == '\0') return std::chrono::milliseconds(ms);
  }
  return kDefaultDelegateTimeout;
}

std::string delegate(const std::string& type, const std::string& command, const Request& req,
                     const std::string* stdin_data) {
  const std::string path = find_plugin(type, req.cni_path);
  const std::string_view data = stdin_data ? *stdin_data : req.stdin_data;
  if (const BuiltinPlugin* builtin = builtin_for(type, path, command))
    return check_output(type, run_builtin(*builtin, command_env(req, command), data));
  RunningPlugin plugin(path, command_env(req, command), data, delegate_options(false));
  return check_output(type, plugin.finish());
}

Result parse_add_result(const std::string& type, const std::string& out, const Request& req) {
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (!j.is_object()) throw Error(Code::DecodeFailure, "plugin " + type + " printed a result that is not JSON");
  const std::string version = j.contains("cniVersion") && j["cniVersion"].is_string()
                                  ? j["cniVersion"].get<std::string>()
                                  : req.cni_version;
  return parse_result(j, version);
}

PendingDelegate delegate_async(const std::string& type, const std::string& command, const Request& req,
                               bool gated) {
  const std::string path = find_plugin(type, req.cni_path);
  if (const BuiltinPlugin* builtin = builtin_for(type, path, command))
    return PendingDelegate(type, *builtin, command_env(req, command), req.stdin_data, gated);
  return PendingDelegate(type, RunningPlugin(path, command_env(req, command), req.stdin_data, delegate_options(gated)));
}

PendingDelegate::PendingDelegate(std::string type, const BuiltinPlugin& builtin, Environment env,
                                 std::string_view stdin_data, bool gated)
    : type_(std::move(type)), builtin_(&builtin), env_(std::move(env)), stdin_data_(stdin_data) {
  if (!gated) release();
}

void PendingDelegate::release() {
  if (plugin_) {
    plugin_->release(true);
  } else if (!builtin_result_) {
    builtin_result_ = run_builtin(*builtin_, env_, stdin_data_);  // the exec'd plugin would act now
  }
}

std::string PendingDelegate::get() {
  release();
  const ExecResult r = plugin_ ? plugin_->finish() : *builtin_result_;
  exited_ = r.term_signal == 0;
  return check_output(type_, r);
}

void delegate_del(const std::string& type, const Request& req) { delegate(type, "DEL", req); }
void delegate_check(const std::string& type, const Request& req) { delegate(type, "CHECK", req); }
void delegate_gc(const std::string& type, const Request& req) { delegate(type, "GC", req); }
void delegate_status(const std::string& type, const Request& req) { delegate(type, "STATUS", req); }

}  // namespace nexus::cni
