#include "launcher/context.h"

#include <filesystem>
#include <sstream>

#include "shared/runtime/conflist.h"

namespace nexus::launcher {
namespace {

std::string binary_dir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

std::vector<std::string> split_path(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ':'))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

}  // namespace

Context::Context(GlobalOptions options)
    : options_(std::move(options)), exe_dir_(binary_dir()), store_(options_.state_dir) {}

std::vector<std::string> Context::conf_dirs() const {
  if (!options_.conf_dir.empty()) return split_path(options_.conf_dir);
  return runtime::default_conf_dirs(exe_dir_);
}

std::vector<std::string> Context::plugin_dirs() const {
  if (!options_.cni_path.empty()) return split_path(options_.cni_path);
  return {exe_dir_, "/opt/cni/bin", "/usr/lib/cni"};
}

}  // namespace nexus::launcher
