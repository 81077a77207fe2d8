// The reference host-local plugin (Debian containernetworking-plugins) and our store sharing one data dir.
// IPAM plugins touch no kernel state, so this needs no root; it skips when the binary is absent.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "shared/ipam/allocator.h"
#include "tests/unit/ipam/store_fixture.h"

using namespace nexus::ipam;
using namespace nexus::ipam::test;

namespace {

constexpr const char* kHostLocal = "/usr/lib/cni/host-local";

// Runs host-local like a runtime does (env + stdin); returns its stdout, fails the test on a non-zero exit.
std::string host_local(const char* command, const Attachment& who, const std::string& data_dir) {
  const std::string config = R"({"cniVersion": "1.0.0", "name": "net1", "ipam": {"type": "host-local",
      "ranges": [[{"subnet": "10.0.0.0/28"}]], "dataDir": ")" + data_dir + R"("}})";
  const fs::path in = fs::path(data_dir).parent_path() / "stdin.json";
  write_file(in, config);
  const std::string cmd = std::string("CNI_COMMAND=") + command + " CNI_CONTAINERID=" + who.container_id +
                          " CNI_NETNS=/dev/null CNI_IFNAME=" + who.ifname + " CNI_PATH=/usr/lib/cni " + kHostLocal +
                          " < " + in.string();
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  CHECK_MESSAGE(status == 0, command, " failed: ", out);
  return out;
}

}  // namespace

TEST_CASE("host-local and nexus share one data dir without handing out an address twice" *
          doctest::skip(::access(kHostLocal, X_OK) != 0)) {
  StoreDir t;
  const std::vector<RangeSet> sets{range_set(R"([{"subnet": "10.0.0.0/28"}])")};
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  CHECK(allocate(store, sets, {"ours-1", "eth0"})[0].to_string() == "10.0.0.2");
  // host-local continues round robin after our last_reserved_ip and skips our lease.
  CHECK(host_local("ADD", {"theirs-1", "eth0"}, t.data()).find("10.0.0.3/28") != std::string::npos);
  CHECK(allocate(store, sets, {"ours-2", "eth0"})[0].to_string() == "10.0.0.4");
  const auto theirs = held_by(store, {"theirs-1", "eth0"});
  REQUIRE(theirs.size() == 1);
  CHECK(theirs[0].to_string() == "10.0.0.3");
  // host-local's DEL walks the tree (including .nexus) and removes exactly the lease of that attachment.
  host_local("DEL", {"ours-1", "eth0"}, t.data());
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.3", "10.0.0.4"});
  CHECK(held_by(store, {"ours-1", "eth0"}).empty());
  CHECK(fs::exists(t.net() / ".nexus" / "idx" / "ours-2@65746830"));
  // Our release frees host-local's lease.
  release(store, {"theirs-1", "eth0"});
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.4"});
  CHECK(host_local("ADD", {"theirs-2", "eth0"}, t.data()).find("10.0.0.5/28") != std::string::npos);
  gc(store, {{"ours-2", "eth0"}});
  CHECK(lease_names(t.net()) == std::vector<std::string>{"10.0.0.4"});
}
