#pragma once
// Checks that a failure is the CNI kind, not just any non-zero exit: under the sanitizer pass a crash or an
// ASan abort exits non-zero too, so an error path checked by exit code alone passes on a crash.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "shared/base/error.h"
#include "tests/testutil/plugin_runner.h"

namespace nexus::testutil {

/// Empty when `run` failed the CNI way: a non-zero exit that is not a signal, and stdout exactly one CNI error
/// object (cniVersion, `code`, a non-empty msg). Otherwise, what is wrong, with what the plugin printed.
std::string cni_error_mismatch(const PluginRun& run, unsigned code);

/// The code of the Error `fn` throws; -1 when it returns, -2 when it throws something else.
template <class Fn>
int thrown_cni_code(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return static_cast<int>(e.code());
  } catch (...) {
    return -2;
  }
  return -1;
}

/// The Error `fn` throws, to check its code and message; nullopt when it returns or throws something else.
template <class Fn>
std::optional<Error> thrown_error(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  } catch (...) {
  }
  return std::nullopt;
}

}  // namespace nexus::testutil

/// The plugin run failed with CNI error `code` (see cni_error_mismatch); REQUIRE_ stops the case, CHECK_ goes on.
#define REQUIRE_CNI_ERROR(run, code)                                                        \
  do {                                                                                      \
    const std::string nexus_cni_mismatch_ = ::nexus::testutil::cni_error_mismatch((run), (code)); \
    REQUIRE_MESSAGE(nexus_cni_mismatch_.empty(), nexus_cni_mismatch_);                      \
  } while (0)
#define CHECK_CNI_ERROR(run, code)                                                          \
  do {                                                                                      \
    const std::string nexus_cni_mismatch_ = ::nexus::testutil::cni_error_mismatch((run), (code)); \
    CHECK_MESSAGE(nexus_cni_mismatch_.empty(), nexus_cni_mismatch_);                        \
  } while (0)
