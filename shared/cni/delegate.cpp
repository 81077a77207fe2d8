#include "shared/cni/delegate.h"

#include <nlohmann/json.hpp>

#include "shared/cni/error.h"
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

std::string run_delegate(const std::string& type, const std::string& command, const Request& req,
                         const std::string* stdin_data, const std::function<bool()>& release_stdin) {
  const std::string path = find_plugin(type, req.cni_path);
  Environment env = req.environment;
  env["CNI_COMMAND"] = command;
  const ExecResult r = exec_plugin(path, env, stdin_data ? *stdin_data : req.stdin_data, false, release_stdin);
  if (r.exit_code != 0) throw_plugin_error(type, r.exit_code, r.term_signal, r.out);
  return r.out;
}

}  // namespace

std::string delegate(const std::string& type, const std::string& command, const Request& req,
                     const std::string* stdin_data) {
  return run_delegate(type, command, req, stdin_data, {});
}

Result parse_add_result(const std::string& type, const std::string& out, const Request& req) {
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (!j.is_object()) throw Error(Code::DecodeFailure, "plugin " + type + " printed a result that is not JSON");
  const std::string version = j.contains("cniVersion") && j["cniVersion"].is_string()
                                  ? j["cniVersion"].get<std::string>()
                                  : req.cni_version;
  return parse_result(j, version);
}

Result delegate_add(const std::string& type, const Request& req) {
  return parse_add_result(type, delegate(type, "ADD", req), req);
}

PendingDelegate delegate_async(const std::string& type, const std::string& command, const Request& req,
                               bool gated) {
  std::shared_ptr<std::promise<bool>> gate;
  std::function<bool()> release_stdin;
  if (gated) {
    gate = std::make_shared<std::promise<bool>>();
    release_stdin = [go = gate->get_future().share()] { return go.get(); };
  }
  return PendingDelegate(std::async(std::launch::async,
                                    [type, command, &req, release_stdin] {
                                      return run_delegate(type, command, req, nullptr, release_stdin);
                                    }),
                         std::move(gate));
}

void PendingDelegate::open_gate(bool go) {
  if (gate_) std::exchange(gate_, nullptr)->set_value(go);
}

std::string PendingDelegate::get() {
  release();
  return result_.get();
}

PendingDelegate::~PendingDelegate() {
  open_gate(false);
  if (result_.valid()) result_.wait();
}

void delegate_del(const std::string& type, const Request& req) { delegate(type, "DEL", req); }
void delegate_check(const std::string& type, const Request& req) { delegate(type, "CHECK", req); }
void delegate_gc(const std::string& type, const Request& req) { delegate(type, "GC", req); }
void delegate_status(const std::string& type, const Request& req) { delegate(type, "STATUS", req); }

}  // namespace nexus::cni
