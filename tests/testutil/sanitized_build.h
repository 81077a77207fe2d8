#pragma once

namespace nexus::testutil {

// Whether this test binary (and so the plugins it runs) was built with
// AddressSanitizer (NEXUS_SANITIZE). Cases that repeat one scenario many times
// run fewer rounds there: each exec of an instrumented plugin costs several
// times as much, and the plain pass runs every round.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

} // namespace nexus::testutil
