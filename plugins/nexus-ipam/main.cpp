#include "shared/cni/plugin_main.h"
#include "shared/ipam_plugin/handlers.h"

// nexus-ipam's verbs live in shared/ipam_plugin, which nexus-bridge links too (shared/cni/builtin_plugin.h).
int main() { return nexus::cni::plugin_main(nexus::ipam_plugin::handlers()); }
