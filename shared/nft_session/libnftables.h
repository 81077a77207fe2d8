#pragma once
// libnftables, loaded on first use instead of at exec: it and the libraries it pulls in (libnftnl, libmnl,
// libxtables, libjansson, libgmp) cost about 0.8 ms of dynamic linking per exec, which every plugin call
// without ipMasq would pay for nothing. It also lets the plugins run where libnftables is not installed.
#include <nftables/libnftables.h>

namespace nexus::nat {

/// The libnftables entry points Nexus uses.
struct LibNftables {
  decltype(&::nft_ctx_new) ctx_new;
  decltype(&::nft_ctx_free) ctx_free;
  decltype(&::nft_ctx_buffer_output) buffer_output;
  decltype(&::nft_ctx_buffer_error) buffer_error;
  decltype(&::nft_ctx_get_output_buffer) get_output_buffer;
  decltype(&::nft_ctx_get_error_buffer) get_error_buffer;
  decltype(&::nft_ctx_output_get_flags) output_get_flags;
  decltype(&::nft_ctx_output_set_flags) output_set_flags;
  decltype(&::nft_run_cmd_from_buffer) run_cmd_from_buffer;
};

/// Loads libnftables once per process (thread-safe) and returns its entry points; Error code 999 when
/// the library or a symbol is missing.
const LibNftables& libnftables();

}  // namespace nexus::nat
