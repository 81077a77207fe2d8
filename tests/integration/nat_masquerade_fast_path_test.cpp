// The masquerade fast path (one nf_tables netlink batch, shared/nat/masquerade_elements.h) against the slow path
// (libnftables): the same bytes in the kernel, ownership kept, and the fallback when the fast path cannot. The
// overloads taking std::optional<Nft> leave it empty when the fast path did the job: that is how these cases
// tell which path ran. Each case in its own throwaway host netns.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>

#include "shared/nat/masquerade.h"
#include "shared/nat/owned_elements.h"
#include "tests/testutil/inspect.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/nft_state.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;

namespace {

IpPrefix prefix(const char* text) { return *IpPrefix::parse(text); }

const nat::MasqueradeTarget kFirst{"fastnet", "nxbr0", "c1/eth0"};
const nat::MasqueradeTarget kSecond{"fastnet", "nxbr0", "c2/eth0"};
const std::vector<IpPrefix> kFirstIps{prefix("10.88.0.2/24"), prefix("fd88::2/64")};
const std::vector<IpPrefix> kSecondIps{prefix("10.88.0.3/24"), prefix("fd88::3/64")};

std::string table_json() { return inspect("nft -j list table inet nexus"); }

bool has_element(const std::string& bridge, const std::string& address, const std::string& owner) {
  const std::vector<MasqElement> all = masquerade_elements();
  return std::find(all.begin(), all.end(), MasqElement{bridge, address, owner}) != all.end();
}

// `nft -j list table inet nexus` after c1 and c2 were added, c2 by the path `fast` says.
std::string table_after_two_adds(bool fast) {
  HostNetns host;
  nat::Nft nft;
  nat::masquerade(nft, kFirst, kFirstIps);  // the network's first ADD: table, maps, sets, chain
  if (fast) {
    std::optional<nat::Nft> slow;
    nat::masquerade(slow, kSecond, kSecondIps);
    CHECK_FALSE(slow.has_value());  // done without libnftables
  } else {
    nat::masquerade(nft, kSecond, kSecondIps);
  }
  return table_json();
}

}  // namespace

TEST_CASE("masquerade fast path: ADD leaves exactly the table the slow path does" *
          doctest::skip(skip_root_tests())) {
  const std::string slow = table_after_two_adds(false);
  const std::string fast = table_after_two_adds(true);
  CHECK(slow.find("c2/eth0") != std::string::npos);
  CHECK(fast == slow);
}

TEST_CASE("masquerade fast path: either path checks, collects and removes what the other wrote" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  std::optional<nat::Nft> slow;
  nat::masquerade(nft, kFirst, kFirstIps);

  SUBCASE("fast ADD, slow CHECK and DEL") {
    nat::masquerade(slow, kSecond, kSecondIps);
    REQUIRE_FALSE(slow.has_value());
    CHECK(nat::find_unmasqueraded(nft, kSecond, kSecondIps).empty());
    nat::unmasquerade(nft, kSecond, kSecondIps);
  }
  SUBCASE("fast ADD, slow DEL by owner alone") {
    nat::masquerade(slow, kSecond, kSecondIps);
    REQUIRE_FALSE(slow.has_value());
    nat::unmasquerade(nft, kSecond);
  }
  SUBCASE("fast ADD, slow GC") {
    nat::masquerade(slow, kSecond, kSecondIps);
    REQUIRE_FALSE(slow.has_value());
    nat::collect_garbage(nft, "fastnet", {"c1/eth0"});
  }
  SUBCASE("slow ADD, fast DEL") {
    nat::masquerade(nft, kSecond, kSecondIps);
    nat::unmasquerade(slow, kSecond, kSecondIps);
    CHECK_FALSE(slow.has_value());  // the twins matched byte for byte, or the batch would have failed
  }
  CHECK(nat::find_unmasqueraded(nft, kSecond, kSecondIps).size() == 2);
  CHECK(nat::find_unmasqueraded(nft, kFirst, kFirstIps).empty());
  CHECK(masquerade_elements().size() == 2);
  CHECK(owner_tokens_v4() == std::multiset<std::string>{"10.88.0.2"});
}

TEST_CASE("masquerade fast path: the network's first ADD falls back to libnftables, the next does not" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  std::optional<nat::Nft> first, second;
  nat::masquerade(first, kFirst, kFirstIps);
  CHECK(first.has_value());  // no table yet: ENOENT, the slow path created it
  nat::masquerade(second, kSecond, kSecondIps);
  CHECK_FALSE(second.has_value());
  CHECK(has_element("nxbr0", "10.88.0.2", "c1/eth0"));
  CHECK(has_element("nxbr0", "fd88::3", "c2/eth0"));
  CHECK(masquerade_elements().size() == 4);

  SUBCASE("a network with other subnets gets its chain by the slow path") {
    std::optional<nat::Nft> other;
    nat::masquerade(other, {"othernet", "nxbr1", "c1/eth0"}, {prefix("10.89.0.2/24")});
    CHECK(other.has_value());
    CHECK(has_element("nxbr1", "10.89.0.2", "c1/eth0"));
  }
  SUBCASE("a repeated ADD (EEXIST) is a no-op through the slow path") {
    std::optional<nat::Nft> again;
    nat::masquerade(again, kSecond, kSecondIps);
    CHECK(again.has_value());
    CHECK(masquerade_elements().size() == 4);
  }
  SUBCASE("an element another owner left (EEXIST) is replaced") {
    std::optional<nat::Nft> taker;
    nat::masquerade(taker, {"fastnet", "nxbr0", "c3/eth0"}, {prefix("10.88.0.3/24")});
    CHECK(taker.has_value());
    CHECK(has_element("nxbr0", "10.88.0.3", "c3/eth0"));
    CHECK_FALSE(has_element("nxbr0", "10.88.0.3", "c2/eth0"));
    CHECK(owner_tokens_v4().count("10.88.0.3") == 1);
  }
}

TEST_CASE("masquerade fast path: DEL removes only its owner's elements" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  nat::masquerade(nft, kFirst, kFirstIps);
  nat::masquerade(nft, kSecond, kSecondIps);                                           // same network
  nat::masquerade(nft, {"othernet", "nxbr1", "c1/eth0"}, {prefix("10.88.0.2/24")});  // same owner and address
  nat::masquerade(nft, {"othernet", "nxbr0", "c1/eth0"}, {prefix("10.90.0.2/24")});  // same owner and bridge
  REQUIRE(run_shell("nft add table inet foreign && nft add map inet foreign bridge_masq_v4 "
                    "'{ type ifname . ipv4_addr : verdict; }' && nft add chain inet foreign c && "
                    "nft add element inet foreign bridge_masq_v4 '{ \"nxbr0\" . 10.88.0.2 comment \"c1/eth0\" : jump c }'")
              .exit_code == 0);
  const std::string foreign_before = inspect("nft list table inet foreign");

  std::optional<nat::Nft> slow;
  nat::unmasquerade(slow, kFirst, kFirstIps);
  CHECK_FALSE(slow.has_value());
  CHECK(nat::find_unmasqueraded(nft, kFirst, kFirstIps).size() == 2);
  CHECK(nat::find_unmasqueraded(nft, kSecond, kSecondIps).empty());
  CHECK(nat::find_unmasqueraded(nft, {"othernet", "nxbr1", "c1/eth0"}, {prefix("10.88.0.2/24")}).empty());
  CHECK(nat::find_unmasqueraded(nft, {"othernet", "nxbr0", "c1/eth0"}, {prefix("10.90.0.2/24")}).empty());
  CHECK(masquerade_elements().size() == 4);
  CHECK(inspect("nft list table inet foreign") == foreign_before);

  // Again (a repeated DEL): the fast path finds nothing, the slow one looks up and finds nothing either.
  nat::unmasquerade(slow, kFirst, kFirstIps);
  CHECK(slow.has_value());
  CHECK(masquerade_elements().size() == 4);
}

TEST_CASE("masquerade fast path: DEL naming the wrong owner leaves an element whose owner was swapped by hand" *
          doctest::skip(skip_root_tests())) {
  HostNetns host;
  nat::Nft nft;
  nat::masquerade(nft, kFirst, {prefix("10.88.0.2/24")});
  // By hand, in one transaction: c1's element and its twin now name x/eth0 (comment and owner token).
  const std::string c1 = nat::OwnerToken::of("fastnet\nc1/eth0").text();
  const std::string x = nat::OwnerToken::of("fastnet\nx/eth0").text();
  const std::string chain = nat::network_chain("fastnet", {prefix("10.88.0.0/24")});
  REQUIRE(run_shell("nft 'delete element inet nexus bridge_owner_v4 { \"nxbr0\" . 10.88.0.2 . " + c1 + " }; "
                    "delete element inet nexus bridge_masq_v4 { \"nxbr0\" . 10.88.0.2 }; "
                    "add element inet nexus bridge_masq_v4 { \"nxbr0\" . 10.88.0.2 comment \"x/eth0\" : jump " + chain + " }; "
                    "add element inet nexus bridge_owner_v4 { \"nxbr0\" . 10.88.0.2 . " + x + " }'")
              .exit_code == 0);
  REQUIRE(has_element("nxbr0", "10.88.0.2", "x/eth0"));

  std::optional<nat::Nft> slow;
  nat::unmasquerade(slow, kFirst, {prefix("10.88.0.2/24")});
  CHECK(slow.has_value());  // the kernel refused the fast batch (ENOENT: not c1's twin)
  CHECK(has_element("nxbr0", "10.88.0.2", "x/eth0"));
  CHECK(owner_tokens_v4() == std::multiset<std::string>{"10.88.0.2"});
  CHECK(nat::find_unmasqueraded(nft, {"fastnet", "nxbr0", "x/eth0"}, {prefix("10.88.0.2/24")}).empty());
}
