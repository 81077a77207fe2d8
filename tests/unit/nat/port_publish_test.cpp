// Port publishing's pure helpers: how a mapping's host side reads in messages (errors name ports this way).
#include "shared/nat/port_publish.h"

#include <doctest/doctest.h>

using nexus::IpAddress;
using nexus::nat::PortMapping;
using nexus::nat::host_side_text;

TEST_CASE("host_side_text: port/protocol, with the hostIP in front (IPv6 in brackets)") {
  CHECK(host_side_text(PortMapping{.host_port = 8080, .container_port = 80, .protocol = "tcp", .host_ip = {}}) ==
        "8080/tcp");
  CHECK(host_side_text(PortMapping{.host_port = 5353, .container_port = 53, .protocol = "udp",
                                   .host_ip = IpAddress::parse("127.0.0.1")}) == "127.0.0.1:5353/udp");
  CHECK(host_side_text(PortMapping{.host_port = 80, .container_port = 80, .protocol = "sctp",
                                   .host_ip = IpAddress::parse("2001:db8::1")}) == "[2001:db8::1]:80/sctp");
}
