#pragma once
// nexus-ipam's verbs. Each parses and validates the whole request first, then touches the lease store once.
#include <nlohmann/json.hpp>

#include "shared/cni/request.h"

namespace nexus::ipam_plugin {

nlohmann::json cmd_add(const cni::Request& req);
void cmd_del(const cni::Request& req);
void cmd_check(const cni::Request& req);
void cmd_gc(const cni::Request& req);
void cmd_status(const cni::Request& req);

}  // namespace nexus::ipam_plugin
