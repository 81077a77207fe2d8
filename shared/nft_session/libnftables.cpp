#include "shared/nft_session/libnftables.h"

#include <dlfcn.h>

#include <mutex>
#include <optional>
#include <string>

#include "shared/base/error.h"

namespace nexus::nat {
namespace {

constexpr const char* kSoname = "libnftables.so.1";

[[noreturn]] void fail(const std::string& what) {
  const char* why = dlerror();
  throw Error(Code::Internal, what + ": " + (why ? why : "unknown error"),
              "ipMasq needs libnftables (Debian package libnftables1)");
}

template <typename Fn>
void bind(void* handle, const char* symbol, Fn& out) {
  void* address = dlsym(handle, symbol);
  if (address == nullptr) fail(std::string("find ") + symbol + " in " + kSoname);
  out = reinterpret_cast<Fn>(address);
}

LibNftables load() {
  // Never unloaded: the process is short-lived and libnftables keeps global state.
  void* handle = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) fail(std::string("load ") + kSoname);
  LibNftables lib{};
  bind(handle, "nft_ctx_new", lib.ctx_new);
  bind(handle, "nft_ctx_free", lib.ctx_free);
  bind(handle, "nft_ctx_buffer_output", lib.buffer_output);
  bind(handle, "nft_ctx_buffer_error", lib.buffer_error);
  bind(handle, "nft_ctx_get_output_buffer", lib.get_output_buffer);
  bind(handle, "nft_ctx_get_error_buffer", lib.get_error_buffer);
  bind(handle, "nft_ctx_output_get_flags", lib.output_get_flags);
  bind(handle, "nft_ctx_output_set_flags", lib.output_set_flags);
  bind(handle, "nft_run_cmd_from_buffer", lib.run_cmd_from_buffer);
  return lib;
}

}  // namespace

const LibNftables& libnftables() {
  // A mutex, not std::call_once: an exception out of call_once is not portable (GCC bug 66146). A failed
  // load is retried by the next caller, who then gets the same clear error.
  static std::mutex mutex;
  static std::optional<LibNftables> lib;
  std::lock_guard<std::mutex> lock(mutex);
  if (!lib) lib = load();
  return *lib;
}

}  // namespace nexus::nat
