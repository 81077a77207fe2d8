// What the unit tests can see of the reclaim after a reboot without faking one (that takes a mount namespace:
// tests/integration/ipam_reboot_test.cpp): a store with no boot recorded is of an unknown earlier boot, and
// its first lock reclaims the leases older than the boot; once recorded, nothing more is reclaimed.
#include <fcntl.h>
#include <sys/stat.h>

#include "shared/ipam/kernel_boot.h"
#include "shared/ipam/lease_store.h"
#include "tests/unit/ipam/store_fixture.h"

using namespace nexus::ipam;
using namespace nexus::ipam::test;

namespace {

const std::vector<RangeSet> kSets() { return {range_set(R"([{"subnet": "10.0.0.0/24"}])")}; }

void written_before_boot(const fs::path& p) {
  const timespec t{*kernel_boot_time() - 86400, 0};
  const timespec times[2] = {t, t};
  REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

}  // namespace

TEST_CASE("a data dir with no boot recorded: the first lock reclaims the leases older than the boot, only them") {
  StoreDir t;
  fs::create_directories(t.net());
  write_file(t.net() / "10.0.0.2", "dead-ctr\r\neth0");      // host-local, an earlier boot
  write_file(t.net() / "10.0.0.3", "dead-old-format");       // host-local's old format, an earlier boot
  write_file(t.net() / "10.0.0.4", "live-ctr\r\neth0");      // host-local, this boot
  write_file(t.net() / "last_reserved_ip.0", "10.0.0.254");  // the next ADD wraps round to .2
  written_before_boot(t.net() / "10.0.0.2");
  written_before_boot(t.net() / "10.0.0.3");
  written_before_boot(t.net() / "last_reserved_ip.0");
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  CHECK(store.reclaim_pending());

  CHECK(allocate(store, kSets(), {"new-ctr", "eth0"})[0].to_string() == "10.0.0.2");
  CHECK_FALSE(store.reclaim_pending());
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.2", "10.0.0.4"});
  CHECK(slurp(t.net() / "10.0.0.4") == "live-ctr\r\neth0");
  CHECK(held_by(store, {"dead-ctr", "eth0"}).empty());
  CHECK(held_by(store, {"live-ctr", "eth0"}).size() == 1);

  // Recorded now: a lease made to look older than the boot is kept.
  written_before_boot(t.net() / "10.0.0.4");
  release(store, {"other", "eth0"});
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.2", "10.0.0.4"});
}

TEST_CASE("the boot record of an earlier boot is replaced by the current one") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  write_file(t.net() / ".nexus" / "boot.00000000-0000-0000-0000-000000000000", "");
  CHECK(store.reclaim_pending());
  release(store, {"c", "eth0"});
  std::vector<std::string> records;
  for (const auto& e : fs::directory_iterator(t.net() / ".nexus"))
    if (e.path().filename().string().starts_with("boot.")) records.push_back(e.path().filename());
  CHECK(records == std::vector<std::string>{"boot." + *kernel_boot_id()});
}
