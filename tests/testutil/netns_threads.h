#pragma once
// Work inside several throwaway namespaces at once (a simulated cluster's hosts): each job runs on a thread of its
// own that enters its namespace first, so the caller's thread never switches and processes a job spawns (plugins,
// nft) run where the job is.
#include <functional>

namespace nexus::testutil {

class TestNetns;

/// Runs job(i) for i in [0, n) on n threads at once, thread i inside netns_of(i); returns when all are done.
/// Jobs must not use REQUIRE (it throws on a thread doctest does not watch): record results, check them after.
/// A job that throws, or a namespace that cannot be entered, is rethrown here once every thread has finished.
void run_concurrently_in(int n, const std::function<const TestNetns&(int)>& netns_of,
                         const std::function<void(int)>& job);

/// Runs `job` on a thread inside `ns` and waits for it (rethrowing what it throws): e.g. reading nft state there.
void run_in(const TestNetns& ns, const std::function<void()>& job);

}  // namespace nexus::testutil
