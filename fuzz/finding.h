#pragma once
// What a fuzz target does when it sees a bug that is not a crash: report it and abort, so libFuzzer saves the
// input as a crash artifact. Expected failures are nexus::Error; any other exception escapes on purpose
// (libFuzzer reports it as a deadly signal).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace nexus::fuzz {

/// Prints "finding: <what>" to stderr and aborts.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "finding: %s\n", what.c_str());
  std::abort();
}

/// The fuzzer's bytes as text.
inline std::string_view as_text(const unsigned char* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace nexus::fuzz
