#include "shared/cni/validate.h"

#include <string>

#include "shared/base/error.h"

namespace nexus::cni {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

bool is_valid_identifier(std::string_view id) {
  if (id.empty() || !is_alnum(id.front())) return false;
  for (const char c : id) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool is_valid_ifname(std::string_view name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  for (const unsigned char c : name) {
    if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r')) return false;
  }
  return true;
}

void validate_container_id(std::string_view id) {
  if (!is_valid_identifier(id))
    throw Error(Code::InvalidEnv, "invalid CNI_CONTAINERID " + quoted(id),
                "must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
}

void validate_ifname(std::string_view name) {
  if (!is_valid_ifname(name))
    throw Error(Code::InvalidEnv, "invalid CNI_IFNAME " + quoted(name),
                "an interface name has 1 to 15 characters, none of them '/', ':' or whitespace, and is not . or ..");
}

void validate_network_name(std::string_view name) {
  if (!is_valid_identifier(name))
    throw Error(Code::InvalidConfig, "invalid network name " + quoted(name),
                "name must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
}

void validate_plugin_type(std::string_view type, std::string_view key) {
  if (type.empty() || type == "." || type == ".." || type.find('/') != std::string_view::npos ||
      type.find('\\') != std::string_view::npos || type.find('\0') != std::string_view::npos)
    throw Error(Code::InvalidConfig, "invalid " + std::string(key) + " " + quoted(type),
                "a plugin type is a file name in CNI_PATH, without '/'");
}

}  // namespace nexus::cni
