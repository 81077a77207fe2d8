#include "tests/testutil/firewalld_daemon.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "tests/testutil/wait.h"

extern char** environ;

namespace nexus::testutil {
namespace {

constexpr const char* kFirewalld = "/usr/sbin/firewalld";

// A system bus that lets root own any name and call anything (firewalld's own policy file allows only root to
// own org.fedoraproject.FirewallD1, and everyone here is root).
std::string bus_config(const std::string& socket) {
  return R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=)" + socket + R"(</listen>
  <auth>EXTERNAL</auth>
  <policy user="root">
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
)";
}

// Forks and execs `argv` with the inherited environment plus `extra_env`, stdout and stderr to `log`; with
// `private_run`, in a mount namespace of its own with a tmpfs on /run. The child dies with this process.
pid_t spawn(const std::vector<std::string>& argv, const std::string& extra_env, const std::string& log,
            bool private_run) {
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  env_text.push_back(extra_env);
  std::vector<char*> envp, args;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE_MESSAGE(pid >= 0, "fork failed");
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (private_run && (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                      ::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") != 0))
    ::_exit(126);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(126);
  ::execve(args[0], args.data(), envp.data());
  ::_exit(127);
}

bool exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

// SIGTERM, then SIGKILL after `grace`; reaped either way.
void terminate(pid_t pid, std::chrono::milliseconds grace) noexcept {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (exited(pid)) return;
    ::usleep(20000);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

FirewalldDaemon::FirewalldDaemon() : bus_("unix:path=" + dir_.path() + "/bus") {
  REQUIRE_MESSAGE(std::filesystem::exists(kFirewalld),
                  "firewalld is not installed (" << kFirewalld << "): run scripts/install-deps");
  REQUIRE_MESSAGE(std::filesystem::exists("/usr/bin/dbus-daemon"), "dbus-daemon is not installed: scripts/install-deps");
  const std::string etc = dir_.path() + "/etc";
  const CommandResult copy = run_command({"cp", "-a", "/etc/firewalld", etc});
  REQUIRE_MESSAGE(copy.exit_code == 0, "copy /etc/firewalld: " << copy.err);
  std::ofstream(dir_.path() + "/bus.conf") << bus_config(dir_.path() + "/bus");

  const std::string bus_env = "DBUS_SYSTEM_BUS_ADDRESS=" + bus_;
  dbus_ = spawn({"/usr/bin/dbus-daemon", "--config-file=" + dir_.path() + "/bus.conf", "--nofork", "--nopidfile"},
                bus_env, dir_.path() + "/dbus.log", false);
  bool bus_died = false;
  const bool bus_up = wait_until([&] {
    if (exited(dbus_)) return bus_died = true;
    return std::filesystem::exists(dir_.path() + "/bus");
  });
  if (!bus_up || bus_died) {
    if (bus_died) dbus_ = -1;  // reaped: never signal its pid again
    const std::string why = read_file(dir_.path() + "/dbus.log");
    stop();
    FAIL("dbus-daemon did not come up: " << why);
  }
  firewalld_ = spawn({kFirewalld, "--nofork", "--nopid", "--system-config", etc, "--log-target", "console"}, bus_env,
                     dir_.path() + "/firewalld.log", true);
  bool died = false;
  const bool up = wait_until(
      [&] {
        if (exited(firewalld_)) return died = true;
        return run("firewall-cmd --state").out == "running\n";
      },
      std::chrono::seconds(60));
  if (!up || died) {
    if (died) firewalld_ = -1;
    const std::string why = log();
    stop();
    FAIL("firewalld did not come up" << (died ? " (it exited)" : "") << "; its log:\n" << why);
  }
}

FirewalldDaemon::~FirewalldDaemon() { stop(); }

void FirewalldDaemon::stop() noexcept {
  // firewalld first (it removes its table on the way out, CleanupOnExit), then its bus.
  terminate(firewalld_, std::chrono::seconds(15));
  firewalld_ = -1;
  terminate(dbus_, std::chrono::seconds(5));
  dbus_ = -1;
}

CommandResult FirewalldDaemon::run(const std::string& commands) const {
  CommandOptions options;
  options.env = {"DBUS_SYSTEM_BUS_ADDRESS=" + bus_};
  options.timeout_ms = 60000;
  return run_shell(commands, options);
}

void FirewalldDaemon::run_ok(const std::string& commands) const {
  const CommandResult r = run(commands);
  REQUIRE_MESSAGE(r.exit_code == 0, commands << " failed (" << r.exit_code << "): " << r.out << r.err
                                             << "\nfirewalld's log:\n" << log());
}

std::string FirewalldDaemon::log() const { return read_file(dir_.path() + "/firewalld.log"); }

}  // namespace nexus::testutil
