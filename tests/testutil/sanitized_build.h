#pragma once

namespace nexus::testutil {

// Whether this test binary, and so the plugins it runs, was built with AddressSanitizer (NEXUS_SANITIZE). Cases
// that repeat one scenario at scale run it smaller there: each exec of an instrumented plugin costs about 0.2 s,
// and the plain pass runs the full scale.
#if defined(__SANITIZE_ADDRESS__)  // GCC
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

}  // namespace nexus::testutil
