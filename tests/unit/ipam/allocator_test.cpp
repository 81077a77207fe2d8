#include "shared/ipam/allocator.h"

#include "tests/unit/ipam/store_fixture.h"

using namespace nexus::ipam;
using nexus::IpAddress;
using nexus::Code;
using nexus::Error;
using namespace nexus::ipam::test;
using nexus::Code;

namespace {
std::vector<std::string> strings(const std::vector<IpAddress>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}
const Attachment kA{"ctr-a", "eth0"};
}  // namespace

TEST_CASE("allocate: round robin from after last_reserved_ip, skipping the gateway, until exhausted") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.42.0/29"}])")};  // .2 - .6 usable
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) got.push_back(allocate(store, sets, {"c" + std::to_string(i), "eth0"})[0].to_string());
  CHECK(got == std::vector<std::string>{"10.0.42.2", "10.0.42.3", "10.0.42.4", "10.0.42.5", "10.0.42.6"});
  CHECK(slurp(t.net() / "last_reserved_ip.0") == "10.0.42.6");
  CHECK(slurp(t.net() / "10.0.42.3") == "c1\r\neth0");
  std::string msg;
  CHECK(error_code([&] { allocate(store, sets, {"c9", "eth0"}); }, &msg) == int(Code::TryAgainLater));
  CHECK(msg == "no free addresses in range set 0 (10.0.42.1-10.0.42.6)");
  CHECK(!has_free_address(store, sets));
  release(store, {"c1", "eth0"});
  release(store, {"c3", "eth0"});
  CHECK(has_free_address(store, sets));
  CHECK(allocate(store, sets, {"c9", "eth0"})[0].to_string() == "10.0.42.3");  // wraps past the gateway
  CHECK(allocate(store, sets, {"c10", "eth0"})[0].to_string() == "10.0.42.5");
}

TEST_CASE("allocate: one address per range set, walking the ranges of a set in order") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{
      range_set(R"([{"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.253"}, {"subnet": "172.16.5.0/24"}])"),
      range_set(R"([{"subnet": "3ffe:ffff:0:01ff::/64", "rangeStart": "3ffe:ffff:0:01ff::0010",
                     "rangeEnd": "3ffe:ffff:0:01ff::0020"}])")};
  CHECK(strings(allocate(store, sets, {"a", "eth0"})) == std::vector<std::string>{"10.0.0.253", "3ffe:ffff:0:1ff::10"});
  CHECK(strings(allocate(store, sets, {"b", "eth0"})) == std::vector<std::string>{"10.0.0.254", "3ffe:ffff:0:1ff::11"});
  CHECK(strings(allocate(store, sets, {"c", "eth0"})) == std::vector<std::string>{"172.16.5.2", "3ffe:ffff:0:1ff::12"});
  CHECK(fs::exists(t.net() / "3ffe:ffff:0:1ff::12"));
  CHECK(slurp(t.net() / "last_reserved_ip.1") == "3ffe:ffff:0:1ff::12");
}

TEST_CASE("allocate is idempotent for an attachment that already holds its addresses") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/24"}])"), range_set(R"([{"subnet": "fd00::/64"}])")};
  const auto first = allocate(store, sets, kA);
  CHECK(allocate(store, sets, kA) == first);
  CHECK(lease_names(t.net()).size() == 2);
  CHECK(allocate(store, sets, {"ctr-a", "eth1"}) != first);  // another interface is another attachment
  CHECK(held_by(store, kA) == first);
  // A config grown by one set keeps the held address and adds one for the new set.
  std::vector<RangeSet> more = sets;
  more.push_back(range_set(R"([{"subnet": "192.168.0.0/24"}])"));
  const auto grown = allocate(store, more, kA);
  CHECK(grown[0] == first[0]);
  CHECK(grown[1] == first[1]);
  CHECK(grown[2].to_string() == "192.168.0.2");
}

TEST_CASE("allocate honours requested addresses and rejects bad ones with code 7") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/24"}])"), range_set(R"([{"subnet": "fd00::/64"}])")};
  CHECK(strings(allocate(store, sets, kA, {ip("fd00::77"), ip("10.0.0.50")})) ==
        std::vector<std::string>{"10.0.0.50", "fd00::77"});
  CHECK(strings(allocate(store, sets, kA, {ip("10.0.0.50")}))[0] == "10.0.0.50");  // repeated ADD
  std::string msg;
  CHECK(error_code([&] { allocate(store, sets, {"b", "eth0"}, {ip("10.0.0.50")}); }, &msg) == int(Code::InvalidConfig));
  CHECK(msg == "invalid requested IP address \"10.0.0.50\": already in use");
  CHECK(error_code([&] { allocate(store, sets, {"b", "eth0"}, {ip("10.0.0.1")}); }, &msg) == int(Code::InvalidConfig));
  CHECK(msg.find("gateway") != std::string::npos);
  CHECK(error_code([&] { allocate(store, sets, {"b", "eth0"}, {ip("10.0.0.255")}); }) == int(Code::InvalidConfig));
  CHECK(error_code([&] { allocate(store, sets, {"b", "eth0"}, {ip("10.9.0.5")}); }, &msg) == int(Code::InvalidConfig));
  CHECK(msg == "invalid requested IP address \"10.9.0.5\": not in any range set");
  CHECK(error_code([&] { allocate(store, sets, {"b", "eth0"}, {ip("10.0.0.5"), ip("10.0.0.6")}); }) ==
        int(Code::InvalidConfig));
  CHECK(error_code([&] { allocate(store, sets, kA, {ip("10.0.0.51")}); }, &msg) == int(Code::InvalidConfig));
  CHECK(msg.find("already holds 10.0.0.50") != std::string::npos);
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.50", "fd00::77"});  // failures left nothing
}

TEST_CASE("allocate keeps nothing when a later range set is exhausted") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/24"}])"),
                                   range_set(R"([{"subnet": "10.1.0.0/30"}])")};  // one address: .2
  allocate(store, {sets[1]}, {"x", "eth0"});  // takes 10.1.0.2 (as set 0 of that config)
  std::string msg;
  CHECK(error_code([&] { allocate(store, sets, kA); }, &msg) == int(Code::TryAgainLater));
  CHECK(msg == "no free addresses in range set 1 (10.1.0.1-10.1.0.2)");
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.1.0.2"});
  CHECK(held_by(store, kA).empty());
  CHECK(has_free_address(store, {sets[0]}));
  CHECK(sets_with_free_address(store, sets) == std::vector<bool>{true, false});
}

TEST_CASE("release: frees the attachment's leases only; nothing held, repeated or missing dirs succeed") {
  StoreDir t;
  {
    auto none = LeaseStore::find(t.data(), "net1");
    CHECK(!none);  // data dir missing: DEL has nothing to do
  }
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  CHECK(!LeaseStore::find(t.data(), "other"));
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/24"}])")};
  allocate(store, sets, kA);
  allocate(store, sets, {"ctr-b", "eth0"});
  release(store, {"nobody", "eth0"});
  release(store, kA);
  release(store, kA);
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.3"});
  CHECK(held_by(store, kA).empty());
  auto again = LeaseStore::find(t.data(), "net1");
  REQUIRE(again);
  release(*again, {"ctr-b", "eth0"});
  CHECK(lease_names(t.net()).empty());
}

TEST_CASE("gc frees every lease not named valid and keeps the valid ones") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/24"}])")};
  for (const char* id : {"a", "b", "c"}) allocate(store, sets, {id, "eth0"});
  write_file(t.net() / "10.0.0.99", "old-format-ctr");        // host-local's old format
  write_file(t.net() / "10.0.0.98", "gone\r\neth0");
  gc(store, {{"b", "eth0"}, {"old-format-ctr", "eth7"}});
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.3", "10.0.0.99"});
  CHECK(held_by(store, {"a", "eth0"}).empty());
  CHECK(strings(held_by(store, {"b", "eth0"})) == std::vector<std::string>{"10.0.0.3"});
  gc(store, {});
  CHECK(lease_names(t.net()).empty());
  CHECK(allocate(store, sets, {"d", "eth0"})[0].to_string() == "10.0.0.5");  // round robin survives GC
}

TEST_CASE("leases written by host-local are honoured, found and released") {
  StoreDir t;
  fs::create_directories(t.net());
  write_file(t.net() / "10.0.0.2", "hl-1\r\neth0");
  write_file(t.net() / "10.0.0.3", "hl-old");  // old format: container ID only
  write_file(t.net() / "fd00::2", "hl-1\r\neth0");
  write_file(t.net() / "last_reserved_ip.0", "10.0.0.3");
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/28"}])")};
  CHECK(allocate(store, sets, kA)[0].to_string() == "10.0.0.4");
  CHECK(strings(held_by(store, {"hl-1", "eth0"})) == std::vector<std::string>{"10.0.0.2", "fd00::2"});
  // host-local writes more leases while we are idle: the directory's mtime tells us to rescan.
  write_file(t.net() / "10.0.0.5", "hl-2\r\neth0");
  write_file(t.net() / "10.0.0.6", "hl-3\r\neth0");
  CHECK(allocate(store, sets, {"b", "eth0"})[0].to_string() == "10.0.0.7");
  CHECK(strings(held_by(store, {"hl-2", "eth0"})) == std::vector<std::string>{"10.0.0.5"});
  release(store, {"hl-1", "eth0"});
  release(store, {"hl-old", "eth0"});  // falls back to the old format, as host-local does
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"});
}

TEST_CASE("host-local's release walk only removes our lease files, never the index") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/24"}])")};
  allocate(store, sets, kA);
  CHECK(host_local_release(t.net(), kA.container_id, kA.ifname) == 1);
  CHECK(host_local_release(t.net(), kA.container_id, "") == 0);
  CHECK(lease_names(t.net()).empty());
  CHECK(held_by(store, kA).empty());
  CHECK(allocate(store, sets, {"b", "eth0"})[0].to_string() == "10.0.0.3");
}
