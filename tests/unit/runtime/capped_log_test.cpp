#include "shared/runtime/capped_log.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "tests/testutil/temp_dir.h"

using namespace nexus::runtime;
using nexus::UniqueFd;
using nexus::testutil::read_file;
using nexus::testutil::TempDir;

namespace {

CappedLog open_log(const TempDir& dir, uint64_t cap) {
  return CappedLog(UniqueFd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)), "log", cap);
}

}  // namespace

TEST_CASE("capped log: below half the cap everything stays in one file") {
  TempDir dir;
  CappedLog log = open_log(dir, kMinLogCap);
  log.write("one\n", 4);
  log.write("two\n", 4);
  CHECK(read_file(dir.path() + "/log") == "one\ntwo\n");
  struct stat st {};
  CHECK(::stat((dir.path() + "/log.1").c_str(), &st) != 0);
}

TEST_CASE("capped log: the files never pass the cap and the newest output is kept") {
  TempDir dir;
  const uint64_t cap = kMinLogCap;
  CappedLog log = open_log(dir, cap);
  std::string last;
  for (int i = 0; i < 20000; ++i) {
    last = "line " + std::to_string(i) + "\n";
    log.write(last.data(), last.size());
  }
  const std::string current = read_file(dir.path() + "/log");
  const std::string older = read_file(dir.path() + "/log.1");
  CHECK(current.size() + older.size() <= cap);
  CHECK(older.size() > cap / 4);  // a rotation happened and the previous half was kept
  CHECK(current.size() >= last.size());
  CHECK(current.substr(current.size() - last.size()) == last);
  // Rotation happens between writes: each file starts with a whole line.
  CHECK(current.rfind("line ", 0) == 0);
  CHECK(older.rfind("line ", 0) == 0);
}

TEST_CASE("capped log: of a chunk bigger than half the cap its end is kept; an existing log is appended to") {
  TempDir dir;
  {
    CappedLog log = open_log(dir, kMinLogCap);
    log.write("before\n", 7);
  }
  CappedLog log = open_log(dir, kMinLogCap);  // as a node restarted on the same directory would
  log.write("again\n", 6);
  CHECK(read_file(dir.path() + "/log") == "before\nagain\n");
  std::string big(kMinLogCap, 'x');
  big.back() = 'E';
  log.write(big.data(), big.size());
  const std::string current = read_file(dir.path() + "/log");
  CHECK(current.size() == kMinLogCap / 2);
  CHECK(current.back() == 'E');
  CHECK(read_file(dir.path() + "/log.1") == "before\nagain\n");
}
