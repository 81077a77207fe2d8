#include "shared/ipam/lease_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <set>

#include "tests/unit/ipam/store_fixture.h"

using namespace nexus::ipam;
using nexus::Code;
using nexus::Error;
using namespace nexus::ipam::test;
using nexus::Code;

namespace {
unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}
const Attachment kA{"ctr-a", "eth0"};
const std::vector<RangeSet> kSets() { return {range_set(R"([{"subnet": "10.0.0.0/24"}])")}; }
}  // namespace

TEST_CASE("lease store creates directories 0700 and files 0600 in host-local's layout") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data() + "/nested", "net1");
  allocate(store, kSets(), kA);
  const fs::path net = t.root() / "data" / "nested" / "net1";
  CHECK(mode_of(t.root() / "data") == 0700);
  CHECK(mode_of(net) == 0700);
  CHECK(mode_of(net / ".nexus") == 0700);
  CHECK(mode_of(net / ".nexus" / "idx") == 0700);
  CHECK(mode_of(net / "lock") == 0600);
  CHECK(mode_of(net / "10.0.0.2") == 0600);
  CHECK(mode_of(net / "last_reserved_ip.0") == 0600);
  CHECK(slurp(net / "10.0.0.2") == "ctr-a\r\neth0");
  CHECK(fs::is_empty(net / ".nexus" / "tmp"));
}

TEST_CASE("index files can never be taken for leases by host-local") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  allocate(store, kSets(), kA);
  const fs::path idx = t.net() / ".nexus" / "idx" / "ctr-a@65746830";
  REQUIRE(fs::exists(idx));
  const std::string content = slurp(idx);
  CHECK(content == "# nexus-ipam index v1\n10.0.0.2\n");
  CHECK(content.find(' ') < content.find('\n'));  // a space in the first line: no container ID has one
}

TEST_CASE("unsafe network names are rejected with code 7 and never touch the file system") {
  StoreDir t;
  for (const char* bad : {"", ".", "..", "../escape", "a/b", "/abs", ".hidden", "-x", "a b", "net\n"}) {
    std::string msg;
    CHECK_MESSAGE(error_code([&] { LeaseStore::open(t.data(), bad); }, &msg) == int(Code::InvalidConfig), bad);
    CHECK_MESSAGE(error_code([&] { LeaseStore::find(t.data(), bad); }) == int(Code::InvalidConfig), bad);
  }
  CHECK(!fs::exists(t.root() / "escape"));
  CHECK(error_code([&] { LeaseStore::open("", "net1"); }) == int(Code::InvalidConfig));
}

TEST_CASE("unsafe container IDs and ifnames are rejected with code 4") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  for (const Attachment& bad : std::vector<Attachment>{{"../../etc/passwd", "eth0"}, {"..", "eth0"}, {"", "eth0"},
                                                       {"a/b", "eth0"}, {"ok", ""}, {"ok", "a/b"}, {"ok", "a\r\nb"},
                                                       {"ok", std::string(65, 'x')}, {"ok", std::string(16, 'x')},
                                                       {"ok", "a:b"}, {"ok", std::string("a\0b", 3)}, {"ok", "a\x7f"},
                                                       {std::string(254, 'c'), "eth0"}}) {
    CHECK(error_code([&] { allocate(store, kSets(), bad); }) == int(Code::InvalidEnv));
    CHECK(error_code([&] { release(store, bad); }) == int(Code::InvalidEnv));
  }
  CHECK(lease_names(t.net()).empty());
}

TEST_CASE("symlinks are never followed: data dir, network dir, planted lease names") {
  StoreDir t;
  fs::create_directories(t.root() / "elsewhere");
  fs::create_directories(t.root() / "data");
  fs::create_directory_symlink(t.root() / "elsewhere", t.root() / "data" / "net1");
  CHECK(error_code([&] { LeaseStore::open(t.data(), "net1"); }) != -1);
  CHECK(error_code([&] { LeaseStore::find(t.data(), "net1"); }) != -1);
  fs::create_directory_symlink(t.root() / "elsewhere", t.root() / "link-data");
  CHECK(error_code([&] { LeaseStore::open((t.root() / "link-data").string(), "net2"); }) == int(Code::InvalidConfig));
  CHECK(fs::is_empty(t.root() / "elsewhere"));

  // A symlink planted under an address name counts as taken and is neither followed nor removed.
  LeaseStore store = LeaseStore::open(t.data(), "net2");
  write_file(t.root() / "victim", "precious");
  fs::create_symlink(t.root() / "victim", t.root() / "data" / "net2" / "10.0.0.2");
  CHECK(allocate(store, kSets(), kA)[0].to_string() == "10.0.0.3");
  gc(store, {});
  release(store, kA);
  CHECK(slurp(t.root() / "victim") == "precious");
  CHECK(fs::is_symlink(t.root() / "data" / "net2" / "10.0.0.2"));
}

TEST_CASE("the lock is host-local's flock on <network>/lock; waiting ends with code 11") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  store.set_lock_timeout(std::chrono::milliseconds(100));
  const int fd = ::open((t.net() / "lock").c_str(), O_RDONLY);  // what go-filemutex does
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  std::string msg;
  CHECK(error_code([&] { allocate(store, kSets(), kA); }, &msg) == int(Code::TryAgainLater));
  CHECK(lease_names(t.net()).empty());
  ::flock(fd, LOCK_UN);
  ::close(fd);
  CHECK(allocate(store, kSets(), kA)[0].to_string() == "10.0.0.2");
}

TEST_CASE("stale temps of a killed process are removed at the next lock") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  write_file(t.net() / ".nexus" / "tmp" / "t.99999.0", "dead\r\neth0");
  release(store, kA);
  CHECK(fs::is_empty(t.net() / ".nexus" / "tmp"));
}

TEST_CASE("released inodes are reused for new leases, always 0600 with exactly the new content") {
  StoreDir t;
  fs::create_directories(t.net());
  write_file(t.net() / "10.0.0.2", "host-local-ctr-with-a-long-id\r\neth0");
  fs::permissions(t.net() / "10.0.0.2", fs::perms(0644));
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  CHECK(held_by(store, {"host-local-ctr-with-a-long-id", "eth0"}).size() == 1);  // indexes it
  const auto inode = [](const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_ino;
  };
  const std::set<ino_t> before{inode(t.net() / "10.0.0.2"),
                               inode(t.net() / ".nexus" / "idx" / "host-local-ctr-with-a-long-id@65746830")};
  release(store, {"host-local-ctr-with-a-long-id", "eth0"});
  CHECK(!fs::is_empty(t.net() / ".nexus" / "blank"));
  CHECK(allocate(store, kSets(), kA)[0].to_string() == "10.0.0.2");  // no last_reserved_ip: from the start
  CHECK(slurp(t.net() / "10.0.0.2") == "ctr-a\r\neth0");
  CHECK(mode_of(t.net() / "10.0.0.2") == 0600);
  CHECK(fs::hard_link_count(t.net() / "10.0.0.2") == 1);
  const std::set<ino_t> after{inode(t.net() / "10.0.0.2"), inode(t.net() / ".nexus" / "idx" / "ctr-a@65746830")};
  CHECK(after == before);  // both inodes were recycled, none created
  for (int i = 0; i < 100; ++i) {  // the pool stays bounded
    allocate(store, kSets(), {"x" + std::to_string(i), "eth0"});
  }
  gc(store, {});
  int spares = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(t.net() / ".nexus" / "blank")) ++spares;
  CHECK(spares <= 64);
  CHECK(lease_names(t.net()).empty());
}

namespace {
// Files under `dir` whose content holds `needle`: what `grep -rl needle dir` prints.
std::vector<std::string> files_containing(const fs::path& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && slurp(e.path()).find(needle) != std::string::npos) out.push_back(e.path());
  return out;
}
}  // namespace

TEST_CASE("a released container's ID is in no file of the data dir; the pool still recycles inodes") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  const Attachment gone{"released-ctr-7f3a", "eth0"}, stays{"live-ctr-91bc", "eth0"};
  allocate(store, kSets(), gone);
  allocate(store, kSets(), stays);
  CHECK(files_containing(t.root(), gone.container_id).size() == 1);  // its lease (the index names addresses)
  release(store, gone);
  CHECK(files_containing(t.root(), gone.container_id).empty());
  CHECK(files_containing(t.root(), stays.container_id).size() == 1);
  REQUIRE(!fs::is_empty(t.net() / ".nexus" / "blank"));  // the released inodes wait in the pool, blank
  for (const auto& e : fs::directory_iterator(t.net() / ".nexus" / "blank"))
    CHECK(slurp(e.path()).find_first_not_of('\n') == std::string::npos);
  // host-local's release of the live container finds its lease, and no pooled copy of anyone's.
  CHECK(host_local_release(t.root(), stays.container_id, "eth0") == 1);
  gc(store, {});
  CHECK(files_containing(t.root(), "ctr").empty());
}

TEST_CASE("a temp left by a killed process is blanked at the next lock, and old-style spares are dropped") {
  StoreDir t;
  LeaseStore store = LeaseStore::open(t.data(), "net1");
  write_file(t.net() / ".nexus" / "tmp" / "t.99999.0", "killed-ctr\r\neth0");
  fs::create_directories(t.net() / ".nexus" / "spare");  // the pool of older versions kept old content
  write_file(t.net() / ".nexus" / "spare" / "s0", "old-spare-ctr\r\neth0");
  release(store, kA);
  CHECK(files_containing(t.root(), "killed-ctr").empty());
  CHECK(files_containing(t.root(), "old-spare-ctr").empty());
  CHECK_FALSE(fs::exists(t.net() / ".nexus" / "spare"));
  CHECK(fs::is_empty(t.net() / ".nexus" / "tmp"));
}
