#include "shared/nat/masquerade.h"

#include <doctest/doctest.h>

#include <cctype>

using nexus::IpPrefix;

namespace {
IpPrefix cidr(const char* text) { return *IpPrefix::parse(text); }
}  // namespace

TEST_CASE("network_chain_prefix names are nft-safe, stable and distinct") {
  const std::string a = nexus::nat::network_chain_prefix("mynet");
  CHECK(a == nexus::nat::network_chain_prefix("mynet"));
  CHECK(a.size() == 18);
  CHECK(a.rfind("n_", 0) == 0);
  for (const char c : a.substr(2)) CHECK(std::isxdigit(static_cast<unsigned char>(c)));
  CHECK(a != nexus::nat::network_chain_prefix("mynet2"));
  CHECK(nexus::nat::network_chain_prefix("a b\";{}") != nexus::nat::network_chain_prefix("ab"));
}

TEST_CASE("the per-subnets chain extends the network prefix and ignores subnet order and host bits") {
  const std::vector<IpPrefix> one = {cidr("10.1.0.0/24"), cidr("fd00::/64")};
  const std::vector<IpPrefix> other_order = {cidr("fd00::5/64"), cidr("10.1.0.7/24")};
  const std::string chain = nexus::nat::network_chain("mynet", one);
  CHECK(chain.rfind(nexus::nat::network_chain_prefix("mynet") + "_", 0) == 0);
  CHECK(chain.size() == 27);
  CHECK(chain == nexus::nat::network_chain("mynet", other_order));
  CHECK(chain != nexus::nat::network_chain("mynet", {cidr("10.2.0.0/24")}));
}

TEST_CASE("owner_of: <containerID>/<ifname>, the ifname in hex when an nft comment could not hold it") {
  CHECK(nexus::nat::owner_of("c1", "eth0") == "c1/eth0");
  CHECK(nexus::nat::owner_of("c1", "e_t.h-0") == "c1/e_t.h-0");
  CHECK(nexus::nat::owner_of("c1", "a b") == "c1/0x612062");
  CHECK(nexus::nat::owner_of("c1", "a\"") == "c1/0x6122");
}
