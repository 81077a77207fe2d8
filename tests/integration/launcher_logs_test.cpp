// nexus node logs [-f] and --log-max-size: the node's command's stdout and stderr, oldest first, kept to the
// cap on disk; -f follows across rotations and ends with the node's process.
#include <doctest/doctest.h>

#include <filesystem>

#include "shared/runtime/capped_log.h"
#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"
#include "tests/testutil/wait.h"

using namespace nexus::launcher_test;
namespace fs = std::filesystem;

namespace {

uintmax_t size_or_zero(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

TEST_CASE("launcher: node logs prints stdout and stderr; the log stays under --log-max-size, the newest kept" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  // 30,000 numbered lines (about 400 KB) through a 128 KiB cap, then a marker on stderr; then the node waits.
  const CommandResult created =
      w.nexus({"node", "create", "logger", "--net", "ittest", "--log-max-size", "128k", "--", "sh", "-c",
               "i=0; while [ $i -lt 30000 ]; do echo line-$i; i=$((i+1)); done; echo done-on-stderr >&2; "
               "exec sleep 1000"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  CommandResult logs;
  REQUIRE(nexus::testutil::wait_until([&] {
    logs = w.nexus({"node", "logs", "logger"});
    return logs.out.find("done-on-stderr") != std::string::npos;
  }));
  CHECK(logs.exit_code == 0);
  CHECK(logs.out.size() <= nexus::runtime::kMinLogCap);
  CHECK(logs.out.find("line-29999\ndone-on-stderr\n") != std::string::npos);
  CHECK(logs.out.find("line-0\n") == std::string::npos);  // the oldest output went to keep the cap
  const std::string dir = w.state_dir() + "/nodes/logger";
  CHECK(size_or_zero(dir + "/log") + size_or_zero(dir + "/log.1") <= nexus::runtime::kMinLogCap);
  CHECK(size_or_zero(dir + "/log.1") > 0);
  CHECK(w.show("logger")["logMaxBytes"] == nexus::runtime::kMinLogCap);

  const CommandResult too_small = w.nexus({"node", "create", "tiny", "--net", "ittest", "--log-max-size", "1k"});
  CHECK(too_small.exit_code == 1);
  CHECK(too_small.err.rfind("nexus: error: invalid --log-max-size 1024 bytes\n", 0) == 0);
  CHECK_FALSE(fs::exists(w.state_dir() + "/nodes/tiny"));
  const CommandResult missing = w.nexus({"node", "logs", "nosuch"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.rfind("nexus: error: no node named 'nosuch'\n", 0) == 0);
}

TEST_CASE("launcher: node logs -f follows the output across rotations until the node's process ends" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  // The command writes slowly enough for -f to be following while the log rotates, then exits (and the node
  // with it); -f must print every line of the last half-cap and return.
  const CommandResult created = w.nexus(
      {"node", "create", "follow", "--net", "ittest", "--log-max-size", "128k", "--", "sh", "-c",
       "i=0; while [ $i -lt 40 ]; do j=0; while [ $j -lt 200 ]; do echo burst-$i-line-$j; j=$((j+1)); done; "
       "sleep 0.1; i=$((i+1)); done; echo the-end"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  const CommandResult followed = w.nexus({"node", "logs", "-f", "follow"});
  CHECK(followed.exit_code == 0);
  CHECK(followed.out.find("burst-39-line-199\nthe-end\n") != std::string::npos);
  // The first burst -f printed whole; every later one must follow whole, once and in order. The bursts from
  // there on are more than half the cap, so the log rotated while -f was following.
  int first = 0;
  while (first < 40 && followed.out.find("burst-" + std::to_string(first) + "-line-0\n") == std::string::npos) ++first;
  REQUIRE_MESSAGE(first <= 15, "nexus node logs -f started too late to see a rotation: first burst ", first);
  size_t at = followed.out.find("burst-" + std::to_string(first) + "-line-0\n");
  size_t followed_bytes = 0;
  for (int i = first; i < 40; ++i)
    for (int j = 0; j < 200; ++j) {
      const std::string line = "burst-" + std::to_string(i) + "-line-" + std::to_string(j) + "\n";
      const size_t found = followed.out.find(line, at);
      REQUIRE_MESSAGE(found != std::string::npos, "missing or out of order: ", line);
      REQUIRE_MESSAGE(followed.out.find(line, found + 1) == std::string::npos, "printed twice: ", line);
      at = found;
      followed_bytes += line.size();
    }
  CHECK(followed_bytes > nexus::runtime::kMinLogCap / 2);
}
