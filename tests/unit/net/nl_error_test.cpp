#include "shared/net/nl_error.h"

#include <doctest/doctest.h>
#include <netlink/errno.h>

using nexus::Code;

TEST_CASE("nl_error formats '<verb> <object> '<name>': <reason>' and picks the code") {
  const nexus::Error e = nexus::net::nl_error("create", "bridge", "nexus0", -NLE_EXIST);
  CHECK(std::string(e.what()) == "create bridge 'nexus0': Object exists");
  CHECK(e.code() == Code::Internal);
  CHECK(nexus::net::nl_error("dump", "routes", "x", -NLE_DUMP_INTR).code() == Code::TryAgainLater);
  CHECK(nexus::net::nl_error("set", "link", "x", NLE_BUSY).code() == Code::TryAgainLater);
}
