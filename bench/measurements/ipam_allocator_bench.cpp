// Lease-count independence of allocate+release (design.md: ADD with 60,000 leases within 2x of ADD with 0).
// A measurement, not a test: not in the suite (a timing bound would flake on a loaded machine). Run it as
//   ./build/bench/measurements/nexus-measure -tc='*allocate*'   (NEXUS_IPAM_BENCH_DIR=/dev/shm: on tmpfs)
// The CHECK below only flags a lost lease-count independence in the printed figures; nothing gates on it.
#include <chrono>
#include <cstdlib>

#include "shared/ipam/allocator.h"
#include "tests/unit/ipam/store_fixture.h"

using namespace nexus::ipam;
using namespace nexus::ipam::test;
using nexus::IpAddress;
using Clock = std::chrono::steady_clock;

namespace {

double micros_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// Mean cost of one allocate + release of a new attachment, over `n` rounds.
double allocate_release_us(LeaseStore& store, const std::vector<RangeSet>& sets, int n) {
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const Attachment who{"bench-" + std::to_string(i), "eth0"};
    allocate(store, sets, who);
    release(store, who);
  }
  return micros_since(t0) / n;
}

// host-local's layout, as if `count` containers had been added in order.
void prefill(const fs::path& net, int count) {
  fs::create_directories(net);
  IpAddress a = ip("10.0.0.2");
  for (int i = 0; i < count; ++i, a = *a.next()) write_file(net / a.to_string(), "pre-" + std::to_string(i) + "\r\neth0");
  write_file(net / "last_reserved_ip.0", a.prev()->to_string());
}

}  // namespace

TEST_CASE("bench: allocate+release cost with 0 and 60000 leases in a /16") {
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/16"}])")};
  const char* base = std::getenv("NEXUS_IPAM_BENCH_DIR");
  StoreDir empty_dir(base ? base : "/tmp"), full_dir(base ? base : "/tmp");
  LeaseStore empty = LeaseStore::open(empty_dir.data(), "net1");
  allocate_release_us(empty, sets, 50);  // warm up
  const double empty_us = allocate_release_us(empty, sets, 500);

  prefill(full_dir.net(), 60000);
  LeaseStore full = LeaseStore::open(full_dir.data(), "net1");
  auto t0 = Clock::now();
  allocate_release_us(full, sets, 1);  // first operation: one scan to index the foreign leases
  const double first_us = micros_since(t0);
  const double full_us = allocate_release_us(full, sets, 500);
  t0 = Clock::now();
  gc(full, {});
  const double gc_us = micros_since(t0);
  MESSAGE("allocate+release, 0 leases: ", empty_us, " us; 60000 leases: ", full_us,
          " us; first op after host-local wrote 60000 leases (index rebuild): ", first_us / 1000,
          " ms; gc of 60000: ", gc_us / 1000, " ms");
  CHECK(full_us < 2 * empty_us + 50);
}
