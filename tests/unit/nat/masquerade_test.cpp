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

TEST_CASE("destinations never masqueraded are part of the chain's name; none keeps the old name") {
  using nexus::nat::network_chain;
  const std::vector<IpPrefix> subnets = {cidr("10.244.1.0/24")};
  const std::string plain = network_chain("mynet", subnets);
  CHECK(network_chain("mynet", subnets, {}) == plain);
  const std::string cluster = network_chain("mynet", subnets, {cidr("10.244.0.0/16")});
  CHECK(cluster != plain);
  CHECK(cluster.rfind(nexus::nat::network_chain_prefix("mynet") + "_", 0) == 0);  // DEL and GC find it by prefix
  CHECK(cluster.size() == 27);
  CHECK(cluster != network_chain("mynet", subnets, {cidr("10.245.0.0/16")}));
  CHECK(cluster != network_chain("mynet", subnets, {cidr("10.244.0.0/16"), cidr("fd00::/48")}));
  // The same exemptions however written: order, host bits, repeats and prefixes inside another.
  CHECK(cluster == network_chain("mynet", subnets, {cidr("10.244.9.9/16")}));
  CHECK(cluster ==
        network_chain("mynet", subnets, {cidr("10.244.3.0/24"), cidr("10.244.0.0/16"), cidr("10.244.0.0/16")}));
}

TEST_CASE("exempted: masked, each once, none inside another, sorted") {
  const auto texts = [](const std::vector<IpPrefix>& ps) {
    std::vector<std::string> out;
    for (const IpPrefix& p : ps) out.push_back(p.to_string());
    return out;
  };
  CHECK(nexus::nat::exempted({}).empty());
  CHECK(texts(nexus::nat::exempted({cidr("fd00::1/48"), cidr("10.244.1.0/24"), cidr("10.244.7.7/16"),
                                    cidr("192.0.2.1/32"), cidr("10.244.0.0/16"), cidr("fd00:0:0:1::/64")})) ==
        std::vector<std::string>{"10.244.0.0/16", "192.0.2.1/32", "fd00::/48"});
  CHECK(texts(nexus::nat::exempted({cidr("10.0.1.0/24"), cidr("10.0.0.0/24")})) ==
        std::vector<std::string>{"10.0.0.0/24", "10.0.1.0/24"});  // neighbours, not nested: both stay
}

TEST_CASE("owner_of: <containerID>/<ifname>, the ifname in hex when an nft comment could not hold it") {
  CHECK(nexus::nat::owner_of("c1", "eth0") == "c1/eth0");
  CHECK(nexus::nat::owner_of("c1", "e_t.h-0") == "c1/e_t.h-0");
  CHECK(nexus::nat::owner_of("c1", "a b") == "c1/0x612062");
  CHECK(nexus::nat::owner_of("c1", "a\"") == "c1/0x6122");
}
