// LinkGoneWatch: a deleted link is reported gone as soon as the kernel unlists it, long before the deleting
// request returns from its RCU cleanup.
#include <doctest/doctest.h>
#include <net/if.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "shared/net/link.h"
#include "shared/net/link_watch.h"
#include "shared/net/nl_socket.h"
#include "tests/testutil/command.h"
#include "tests/testutil/netns_fixture.h"
#include "tests/testutil/root.h"

using namespace nexus;
using namespace nexus::testutil;

TEST_CASE("LinkGoneWatch sees a deleted veth gone, and a live one not" * doctest::skip(skip_root_tests())) {
  HostNetns host;
  REQUIRE(run_shell("ip link add wa0 type veth peer name wb0 && ip link set wa0 up").exit_code == 0);
  const int index = static_cast<int>(::if_nametoindex("wa0"));
  REQUIRE(index > 0);
  net::LinkGoneWatch watch(index);
  CHECK_FALSE(watch.gone());
  // Other links' deletions and this link leaving a bridge (an AF_BRIDGE RTM_DELLINK) are not its deletion.
  REQUIRE(run_shell("ip link add wc0 type veth peer name wd0 && ip link del wc0").exit_code == 0);
  REQUIRE(run_shell("ip link add wbr0 type bridge && ip link set wa0 master wbr0 && ip link set wa0 nomaster")
              .exit_code == 0);
  CHECK_FALSE(watch.gone());

  // The delete runs in another process, as the bridge plugin's helper does it.
  const pid_t deleter = ::fork();
  REQUIRE(deleter >= 0);
  if (deleter == 0) {
    try {
      net::delete_link(net::NlSocket::open(), index);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool gone = false;
  while (!(gone = watch.gone()) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{.fd = watch.poll_fd(), .events = POLLIN, .revents = 0};
    ::poll(&p, 1, 100);
  }
  CHECK(gone);
  CHECK(::if_nametoindex("wb0") == 0);  // the peer went with it
  int status = 0;
  REQUIRE(::waitpid(deleter, &status, 0) == deleter);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
