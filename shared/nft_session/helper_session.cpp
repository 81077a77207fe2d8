// libnftables in the nexus-nftables helper (shared/nat/nft_session.h): for the statically linked nexus-bridge,
// which cannot load a shared library. The helper is a child that dies with its parent (PR_SET_PDEATHSIG), so
// nothing runs a transaction for a plugin that is gone; it exits when its channel closes.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "shared/base/error.h"
#include "shared/cni/child_reply.h"
#include "shared/cni/spawn.h"
#include "shared/nat/nft_session.h"
#include "shared/nft_session/helper_protocol.h"
#include "shared/util/line_channel.h"
#include "shared/util/pipe.h"

namespace nexus::nat {
namespace {

// Beside this executable, whatever CNI_PATH says: it is part of this plugin, of this very build.
std::string helper_path() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw sys_error("find this plugin's own executable (/proc/self/exe)", ec.value());
  return (self.parent_path() / kNftHelperName).string();
}

class HelperSession final : public NftSession {
 public:
  HelperSession() {
    const std::string path = helper_path();
    if (::access(path.c_str(), X_OK) != 0)
      throw Error(Code::Internal, "nftables helper " + path + " is missing",
                  std::string("ipMasq, portMappings and macspoofchk need ") + kNftHelperName +
                      ", installed beside the plugins");
    Pipe to_helper = make_pipe("nftables helper pipe"), from_helper = make_pipe("nftables helper pipe");
    const UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    char* const argv[] = {const_cast<char*>(kNftHelperName), nullptr};
    char* const envp[] = {nullptr};
    pid_ = cni::spawn_plugin_process({.path = &path,
                                      .argv = argv,
                                      .envp = envp,
                                      .stdin_fd = to_helper.read.get(),
                                      .stdout_fd = from_helper.write.get(),
                                      .stderr_fd = null.get(),
                                      .die_with_parent = true});
    channel_ = LineChannel(std::move(from_helper.read), std::move(to_helper.write));
    // Its first answer: libnftables loaded and a context open, or why not (the same error as in-process).
    cni::await_reply(channel_, "load libnftables");
  }

  ~HelperSession() override {
    channel_ = LineChannel();  // EOF: the helper exits
    ::waitpid(pid_, nullptr, WNOHANG);
  }

  bool run(const std::string& commands, bool json, std::string& output, std::string& error) override {
    if (!channel_.send(to_line(NftRequest{.commands = commands, .json = json})))
      throw Error(Code::Internal, std::string(kNftHelperName) + " is gone");
    const auto line = channel_.receive();
    if (!line) throw Error(Code::Internal, std::string(kNftHelperName) + " exited without answering");
    NftReply reply = reply_of_line(*line);
    output = std::move(reply.output);
    error = std::move(reply.error);
    return reply.ok;
  }

 private:
  pid_t pid_ = -1;
  LineChannel channel_;
};

}  // namespace

std::unique_ptr<NftSession> open_nft_session() { return std::make_unique<HelperSession>(); }

}  // namespace nexus::nat
