#include "shared/ipam/kernel_boot.h"

#include <doctest/doctest.h>

#include <ctime>

#include "tests/testutil/command.h"
#include "tests/testutil/temp_dir.h"

using namespace nexus::ipam;

TEST_CASE("kernel_boot_id is the kernel's boot ID without its newline") {
  const std::string file = nexus::testutil::read_file("/proc/sys/kernel/random/boot_id");
  REQUIRE(file.size() == 37);
  CHECK(kernel_boot_id() == file.substr(0, 36));
}

TEST_CASE("kernel_boot_time is /proc/stat's btime, in the past") {
  const auto awk = nexus::testutil::run_shell("awk '$1 == \"btime\" {print $2}' /proc/stat");
  REQUIRE(awk.exit_code == 0);
  const std::optional<std::time_t> t = kernel_boot_time();
  REQUIRE(t.has_value());
  // btime is recomputed at each read from the wall clock; a slewing clock may move it by a second.
  CHECK(std::abs(static_cast<long long>(*t) - std::stoll(awk.out)) <= 1);
  CHECK(*t < std::time(nullptr));
}
