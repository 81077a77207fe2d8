#pragma once
// "Another host" for NAT and port publishing tests: a netns on a veth link to the test's host netns.
#include <string>

namespace nexus::testutil {

class TestNetns;

/// The outside world: <net>.1, on a link <link>-h / <link>-o to the calling thread's netns (<net>.254); it has
/// no route to containers. The test fails (REQUIRE) when ip does.
void connect_outside(const TestNetns& outside, const std::string& link = "out", const std::string& net = "198.51.100");
/// IPv6 on a link connect_outside made: <net6>1/64 outside, <net6>fe/64 here; returns once the link's
/// link-local addresses are past DAD.
void add_outside_v6(const TestNetns& outside, const std::string& link = "out",
                    const std::string& net6 = "2001:db8:100::");

}  // namespace nexus::testutil
