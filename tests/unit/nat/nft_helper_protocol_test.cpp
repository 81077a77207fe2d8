// The lines between nexus-bridge and its nexus-nftables helper: each request and reply is one line whatever
// the commands and listings hold, and comes back as it was sent.
#include <doctest/doctest.h>

#include "shared/base/error.h"
#include "shared/nft_session/helper_protocol.h"

using namespace nexus;
using namespace nexus::nat;

TEST_CASE("nft helper protocol: requests and replies are single lines that come back unchanged") {
  const NftRequest request{.commands = "add table inet nexus\nadd chain inet nexus x { comment \"a\\\"b\" }\n",
                           .json = true};
  const std::string request_line = to_line(request);
  CHECK(request_line.find('\n') == std::string::npos);
  const NftRequest back = request_of_line(request_line);
  CHECK(back.commands == request.commands);
  CHECK(back.json);

  const NftReply reply{.ok = false, .output = "{\"nftables\": []}\n", .error = "Error: No such file\nline 2\n"};
  const std::string reply_line = to_line(reply);
  CHECK(reply_line.find('\n') == std::string::npos);
  const NftReply reply_back = reply_of_line(reply_line);
  CHECK_FALSE(reply_back.ok);
  CHECK(reply_back.output == reply.output);
  CHECK(reply_back.error == reply.error);
}

TEST_CASE("nft helper protocol: a line that is not a message is an internal error naming the helper") {
  for (const std::string line : {"", "ok", "[1,2]", "{\"ok\":"}) {
    CAPTURE(line);
    try {
      reply_of_line(line);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == Code::Internal);
      CHECK(std::string(e.what()).find("nexus-nftables") != std::string::npos);
    }
  }
}
