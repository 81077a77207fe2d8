#include "tests/testutil/netns_threads.h"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/testutil/netns_fixture.h"

namespace nexus::testutil {

void run_concurrently_in(int n, const std::function<const TestNetns&(int)>& netns_of,
                         const std::function<void(int)>& job) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      try {
        const TestNetns& ns = netns_of(i);
        if (::setns(ns.fd(), CLONE_NEWNET) != 0)
          throw std::runtime_error("setns into " + ns.name() + ": " + std::strerror(errno));
        job(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });  // the thread ends inside the namespace: nothing to switch back
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

void run_in(const TestNetns& ns, const std::function<void()>& job) {
  run_concurrently_in(1, [&](int) -> const TestNetns& { return ns; }, [&](int) { job(); });
}

}  // namespace nexus::testutil
