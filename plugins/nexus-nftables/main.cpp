// nexus-nftables: runs libnftables for the statically linked nexus-bridge (shared/nat/nft_session.h), which
// starts it as a child over two pipes (stdin, stdout) and talks to it in the lines of
// shared/nft_session/helper_protocol.h. It acts only on what it is sent and exits when the plugin closes the
// pipe or dies (the plugin sets PR_SET_PDEATHSIG before the exec). Not a CNI plugin: runtimes never call it.
#include <unistd.h>

#include <memory>

#include "shared/cni/child_reply.h"
#include "shared/nat/nft_session.h"
#include "shared/nft_session/helper_protocol.h"
#include "shared/util/line_channel.h"

int main() {
  using namespace nexus;
  LineChannel channel(UniqueFd(STDIN_FILENO), UniqueFd(STDOUT_FILENO));
  std::unique_ptr<nat::NftSession> session;
  if (!cni::reply_to_parent(channel, [&] { session = nat::open_nft_session(); })) return 1;
  while (const auto line = channel.receive()) {
    nat::NftReply reply;
    try {
      const nat::NftRequest request = nat::request_of_line(*line);
      reply.ok = session->run(request.commands, request.json, reply.output, reply.error);
    } catch (const std::exception& e) {
      reply.error = e.what();
    }
    if (!channel.send(nat::to_line(reply))) return 1;
  }
  return 0;
}
