// Network configuration lists (and single-plugin .conf files): parse_conflist accepts or throws nexus::Error, and
// what it accepts has a valid name, versions and plugins, and parses again from its cached bytes to the same list.
#include <nlohmann/json.hpp>

#include "fuzz/finding.h"
#include "shared/base/error.h"
#include "shared/runtime/conflist.h"

using nexus::fuzz::finding;
using nexus::runtime::NetworkConfigList;
using nexus::runtime::parse_conflist;

namespace {

void check(const NetworkConfigList& list) {
  if (!nexus::runtime::valid_network_name(list.name)) finding("accepted invalid name " + list.name);
  if (list.cni_versions.empty()) finding("accepted a list without versions");
  if (list.plugins.empty()) finding("accepted a list without plugins");
  for (const auto& p : list.plugins)
    if (!p.is_object() || !p.contains("type") || !p["type"].is_string()) finding("plugin without type " + p.dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const std::string bytes(nexus::fuzz::as_text(data, size));
  NetworkConfigList list;
  try {
    list = parse_conflist(bytes, "fuzz");
  } catch (const nexus::Error&) {
    return 0;
  }
  check(list);
  NetworkConfigList again;
  try {
    again = parse_conflist(list.bytes, "fuzz");
  } catch (const nexus::Error& e) {
    finding(std::string("cached bytes do not parse again: ") + e.what());
  }
  if (again.name != list.name || again.plugins != list.plugins || again.cni_versions != list.cni_versions ||
      again.disable_check != list.disable_check || again.disable_gc != list.disable_gc)
    finding("cached bytes parse to another list");
  return 0;
}
