#pragma once
// nexus-bridge's verbs; each reads top to bottom like the procedure in ../shared/design.md.
#include <nlohmann/json.hpp>

#include "shared/cni/request.h"

namespace nexus::bridge_plugin {

nlohmann::json cmd_add(const cni::Request& req);
void cmd_del(const cni::Request& req);
void cmd_check(const cni::Request& req);
void cmd_gc(const cni::Request& req);
void cmd_status(const cni::Request& req);

}  // namespace nexus::bridge_plugin
