// `node create` and `node exec` with -e/--env-file, and `node exec -t`: the node starts from a clean
// environment (nothing of the launcher's own leaks in), the user's variables in order of precedence, exec
// inherits the node's and adds its own, and -t gives the command a terminal of its own.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/launcher_fixture.h"
#include "tests/testutil/root.h"
#include "tests/testutil/wait.h"

using namespace nexus::launcher_test;
using nexus::testutil::read_file;
namespace fs = std::filesystem;

namespace {

// The node's command writes its environment to a file of the test and waits.
const std::string kDumpEnv = "env > \"$0\"; exec sleep 1000";

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("launcher: -e and --env-file set the node's environment, which starts clean; exec inherits and adds" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  const std::string env_file = w.path() + "/app.env";
  std::ofstream(env_file) << "# settings\n\nMODE=file\r\nSHARED=from-file\nPASSED\nEMPTY=\n";
  const std::string dump = w.path() + "/node.env";
  const CommandResult created =
      w.nexus({"node", "create", "envn", "--net", "ittest", "--env-file", env_file, "-e", "SHARED=from-flag", "-e",
               "SPACED=a b=c", "-e", "UNSET_IN_LAUNCHER", "--", "sh", "-c", kDumpEnv, dump},
              "", {"PASSED=from-launcher", "LAUNCHER_ONLY=leak"});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  REQUIRE(nexus::testutil::wait_until([&] { return !read_file(dump).empty(); }));
  const std::string env = read_file(dump);
  CAPTURE(env);
  CHECK(has_line(env, "MODE=file"));            // the file's line, its CR dropped
  CHECK(has_line(env, "SHARED=from-flag"));     // -e after --env-file wins
  CHECK(has_line(env, "SPACED=a b=c"));         // the value is everything after the first '='
  CHECK(has_line(env, "PASSED=from-launcher")); // a bare name takes the launcher's value
  CHECK(has_line(env, "EMPTY="));
  CHECK(has_line(env, "HOSTNAME=envn"));
  CHECK(has_line(env, "HOME=/root"));
  CHECK(has_line(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  CHECK(env.find("UNSET_IN_LAUNCHER") == std::string::npos);  // a bare name the launcher lacks is left out
  CHECK(env.find("LAUNCHER_ONLY") == std::string::npos);      // nothing of the launcher's own environment
  CHECK(env.find("NEXUS_STATE_DIR") == std::string::npos);

  CommandResult inherited = w.nexus({"node", "exec", "envn", "--", "printenv", "SHARED"});
  CHECK(inherited.exit_code == 0);
  CHECK(inherited.out == "from-flag\n");
  CommandResult added = w.nexus({"node", "exec", "-e", "SHARED=exec", "-e", "NEW=1", "envn", "--", "sh", "-c",
                                 "echo $SHARED $NEW $MODE"});
  CHECK(added.exit_code == 0);
  CHECK(added.out == "exec 1 file\n");
  CHECK(w.nexus({"node", "exec", "envn", "--", "printenv", "LAUNCHER_ONLY"}, "", {"LAUNCHER_ONLY=x"}).exit_code == 1);
}

TEST_CASE("launcher: a bad -e or --env-file is refused before anything is created" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  const std::string bad_file = w.path() + "/bad.env";
  std::ofstream(bad_file) << "OK=1\n=novalue\n";
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"-e", "=x"}, "nexus: error: invalid environment variable -e: '=x'\n"},
      {{"-e", "A B=1"}, "nexus: error: invalid environment variable -e: 'A B=1'\n"},
      {{"--env-file", bad_file}, "nexus: error: invalid environment variable " + bad_file + ":2: '=novalue'\n"},
      {{"--env-file", w.path() + "/missing.env"}, "nexus: error: cannot read --env-file '" + w.path() + "/missing.env'\n"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"node", "create", "bad", "--net", "ittest"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const CommandResult r = w.nexus(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind(c.error, 0) == 0);
    CHECK_FALSE(fs::exists(w.state_dir() + "/nodes/bad"));
    CHECK(w.leases().empty());
  }
  REQUIRE(w.nexus({"node", "create", "ok", "--net", "ittest"}).exit_code == 0);
  const CommandResult exec_bad = w.nexus({"node", "exec", "-e", "=x", "ok", "--", "true"});
  CHECK(exec_bad.exit_code == 1);
  CHECK(exec_bad.err.rfind("nexus: error: invalid environment variable -e: '=x'\n", 0) == 0);
}

TEST_CASE("launcher: exec -t runs the command on a terminal of its own; without -t it has none" *
          doctest::skip(nexus::testutil::skip_root_tests())) {
  LauncherWorld w;
  REQUIRE(w.nexus({"node", "create", "tty1", "--net", "ittest"}).exit_code == 0);
  const CommandResult on_tty =
      w.nexus({"node", "exec", "-t", "tty1", "--", "sh", "-c", "tty; test -t 0 && test -t 1 && echo both; echo $TERM"},
              "", {"TERM=vt100"});
  CAPTURE(on_tty.out);
  CHECK(on_tty.exit_code == 0);
  CHECK(on_tty.out.find("/dev/pts/") != std::string::npos);
  CHECK(on_tty.out.find("both") != std::string::npos);
  CHECK(on_tty.out.find("vt100") != std::string::npos);
  // Piped input reaches an interactive shell, which reads end-of-file after it; its exit status is ours.
  const CommandResult shell = w.nexus({"node", "exec", "-t", "tty1", "--", "sh"}, "echo from-the-pipe\nexit 3\n");
  CAPTURE(shell.out);
  CHECK(shell.exit_code == 3);
  CHECK(shell.out.find("from-the-pipe") != std::string::npos);
  const CommandResult eof = w.nexus({"node", "exec", "-t", "tty1", "--", "cat"}, "");
  CHECK(eof.exit_code == 0);  // cat ends on the end-of-file -t sends when our input ends
  const CommandResult no_tty = w.nexus({"node", "exec", "tty1", "--", "tty"});
  CHECK(no_tty.exit_code == 1);
  CHECK(no_tty.out == "not a tty\n");
}
