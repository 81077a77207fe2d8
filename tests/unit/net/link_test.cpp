#include "shared/net/link.h"

#include <doctest/doctest.h>

#include "shared/base/error.h"

TEST_CASE("format_mac and parse_mac round-trip") {
  const std::array<unsigned char, 6> mac = {0x02, 0xab, 0x00, 0x10, 0xff, 0x7e};
  CHECK(nexus::net::format_mac(mac.data(), mac.size()) == "02:ab:00:10:ff:7e");
  CHECK(nexus::net::parse_mac("02:ab:00:10:ff:7e") == mac);
  CHECK(nexus::net::parse_mac("02:AB:00:10:FF:7E") == mac);
}

TEST_CASE("parse_mac rejects malformed text with code 7 naming the key") {
  for (const char* bad : {"", "02:ab:00:10:ff", "02:ab:00:10:ff:7e:01", "02-ab-00-10-ff-7e", "zz:ab:00:10:ff:7e",
                          "2:ab:00:10:ff:7e0"}) {
    try {
      nexus::net::parse_mac(bad, "args.cni.mac");
      FAIL("accepted " << bad);
    } catch (const nexus::Error& e) {
      CHECK(e.code() == nexus::Code::InvalidConfig);
      CHECK(std::string(e.what()).find("args.cni.mac") != std::string::npos);
    }
  }
}
