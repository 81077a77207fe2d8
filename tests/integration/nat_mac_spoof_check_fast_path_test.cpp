// The macspoofchk fast path (one nf_tables netlink batch) against the slow path (libnftables): the same bytes in
// the kernel, either path removes what the other wrote, ownership kept. The overloads taking std::optional<Nft>
// leave it empty when the fast path did the job. Each case in its own throwaway host netns.
#include <doctest/doctest.h>

#include <optional>

#include "shared/nat/mac_spoof_check.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;

namespace {

const nat::SpoofCheckedPort kFirst{"nex-a", "02:00:00:00:00:0a", "c1/eth0"};
const nat::SpoofCheckedPort kSecond{"nex-b", "02:00:00:00:00:0b", "c2/eth0"};

// `nft -j list table bridge nexus` after both ports were added, the second by the path `fast` says.
std::string table_after_two_adds(bool fast) {
  HostNetns host;
  nat::Nft nft;
  nat::add_mac_spoof_check(nft, kFirst);  // the host's first: table, sets, chain
  if (fast) {
    std::optional<nat::Nft> slow;
    nat::add_mac_spoof_check(slow, kSecond);
    CHECK_FALSE(slow.has_value());
  } else {
    nat::add_mac_spoof_check(nft, kSecond);
  }
  return inspect("nft -j list table bridge nexus");
}

}  // namespace

TEST_CASE("macspoofchk fast path: ADD leaves exactly the table the slow path does" *
          doctest::skip(skip_root_tests())) {
  const std::string slow = table_after_two_adds(false);
  const std::string fast = table_after_two_adds(true);
  CHECK(slow.find("c2/eth0") != std::string::npos);
  CHECK(fast == slow);
}

TEST_CASE("macspoofchk fast path: either path checks and removes what the other wrote; the first ADD falls back" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  std::optional<nat::Nft> first;
  nat::add_mac_spoof_check(first, kFirst);
  REQUIRE(first.has_value());  // no table yet: the slow path made it
  nat::Nft& nft = *first;
  std::optional<nat::Nft> slow;

  SUBCASE("fast ADD, slow CHECK and DEL") {
    nat::add_mac_spoof_check(slow, kSecond);
    REQUIRE_FALSE(slow.has_value());
    CHECK(nat::find_mac_spoof_check_gap(nft, kSecond).empty());
    nat::remove_mac_spoof_check(nft, kSecond.port, kSecond.owner, kSecond.mac);
  }
  SUBCASE("slow ADD, fast DEL") {
    nat::add_mac_spoof_check(nft, kSecond);
    nat::remove_mac_spoof_check(slow, kSecond.port, kSecond.owner, kSecond.mac);
    CHECK_FALSE(slow.has_value());
  }
  SUBCASE("fast DEL naming another owner removes nothing") {
    nat::add_mac_spoof_check(slow, kSecond);
    nat::remove_mac_spoof_check(slow, kSecond.port, "c9/eth0", kSecond.mac);
    CHECK(slow.has_value());  // the kernel refused the batch: not c9's token
    CHECK(spoof_check_elements().at("nex-b").owner == "c2/eth0");
    nat::remove_mac_spoof_check(nft, kSecond.port, kSecond.owner, kSecond.mac);
  }
  const auto all = spoof_check_elements();
  CHECK(all.count("nex-b") == 0);
  REQUIRE(all.count("nex-a") == 1);
  CHECK(all.at("nex-a").owner == "c1/eth0");
  CHECK(all.at("nex-a").tokens == 1);
}
