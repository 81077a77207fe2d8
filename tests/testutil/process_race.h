#pragma once
// Races between processes: fork n children that start together and report through their exit status.
#include <functional>

namespace nexus::testutil {

/// Forks `n` children, releases them at once (a pipe gate), runs `child(i)` in child i and exits with what it
/// returns (1 when it throws, after printing the exception to stderr). Returns how many children failed.
int race_children(int n, const std::function<int(int)>& child);

}  // namespace nexus::testutil
