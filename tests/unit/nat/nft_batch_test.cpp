// Element keys as the kernel holds them: the words `nft --debug=netlink create element ...` printed for the
// same element on this (little-endian) host, so the netlink fast path and nft write the same bytes.
#include "shared/nat/nft_batch.h"

#include <doctest/doctest.h>

#include <cstring>

#include "shared/base/error.h"

using namespace nexus;
using namespace nexus::nat;

namespace {

// The key as nft's debug output shows it: 32-bit words in host order.
std::vector<uint32_t> words(const ElementKey& key) {
  std::vector<uint32_t> out(key.bytes().size() / 4);
  std::memcpy(out.data(), key.bytes().data(), out.size() * 4);
  return out;
}

}  // namespace

TEST_SUITE("nft_batch") {
  TEST_CASE("ifname . ipv4_addr . mark . mark is laid out as nft writes it") {
    ElementKey key;
    key.ifname("nxbr0").address(*IpAddress::parse("10.0.0.2")).mark(0x01234567).mark(0x89abcdef);
    REQUIRE(key.bytes().size() == 28);
    // nft: element 7262786e 00000030 00000000 00000000 0200000a 01234567 89abcdef
    CHECK(words(key) == std::vector<uint32_t>{0x7262786e, 0x00000030, 0, 0, 0x0200000a, 0x01234567, 0x89abcdef});
  }

  TEST_CASE("an IPv6 address takes 16 bytes in network order") {
    ElementKey key;
    key.ifname("br").address(*IpAddress::parse("fd88::2"));
    REQUIRE(key.bytes().size() == 32);
    CHECK(key.bytes()[16] == 0xfd);
    CHECK(key.bytes()[17] == 0x88);
    CHECK(key.bytes()[31] == 0x02);
  }

  TEST_CASE("ether_addr takes 6 bytes padded to 8; a malformed MAC is refused") {
    ElementKey key;
    key.ifname("nex-a").ether("02:00:00:00:00:0a");
    REQUIRE(key.bytes().size() == 24);
    CHECK(std::vector<uint8_t>(key.bytes().begin() + 16, key.bytes().end()) ==
          std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0x0a, 0, 0});
    ElementKey bad;
    CHECK_THROWS_AS(bad.ether("02:00:00:00:00"), Error);
  }

  TEST_CASE("an interface name fills 16 bytes; a longer one is refused") {
    ElementKey ok;
    ok.ifname("abcdefghijklmno");  // 15 characters and the NUL
    CHECK(ok.bytes().size() == 16);
    CHECK(ok.bytes()[15] == 0);
    ElementKey too_long;
    CHECK_THROWS_AS(too_long.ifname("abcdefghijklmnop"), Error);
  }
}
