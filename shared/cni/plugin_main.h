#pragma once
// The protocol skeleton every plugin runs: read env and stdin, validate, dispatch on CNI_COMMAND, and turn any
// failure into the spec's error JSON on stdout with exit code 1. Only this file catches.
#include <functional>
#include <istream>
#include <ostream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "shared/cni/request.h"

namespace nexus::cni {

struct PluginHandlers {
  std::function<nlohmann::json(const Request&)> add{};  // returns the encoded result to print
  std::function<void(const Request&)> del{};
  std::function<void(const Request&)> check{};
  std::function<void(const Request&)> gc{};
  std::function<void(const Request&)> status{};
};

/// Largest configuration accepted on stdin; more is refused with code 5 rather than exhausting memory.
inline constexpr size_t kMaxStdinBytes = 4 << 20;

/// Runs one invocation with injectable environment and streams (unit tests call this without exec); returns the
/// process exit code.
int dispatch(const PluginHandlers& handlers, const Environment& env, std::istream& in, std::ostream& out);
/// main() of a plugin.
int plugin_main(const PluginHandlers& handlers);

}  // namespace nexus::cni
