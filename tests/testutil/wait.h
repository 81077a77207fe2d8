#pragma once
// Waiting for an event instead of sleeping for a guessed time: a fixed sleep is either too short on a loaded
// 2-core machine under ASan (a flake) or wasted time everywhere else.
#include <chrono>
#include <functional>

namespace nexus::testutil {

/// Polls `done` until it returns true (then true) or `limit` passes (then false, for the caller to CHECK: the
/// case fails by name instead of hanging). Polls every millisecond, yielding the CPU in between.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(20));

}  // namespace nexus::testutil
