#include "plugins/nexus-bridge/nft_job.h"

#include <nlohmann/json.hpp>

#include <exception>
#include <optional>

#include "shared/base/error.h"
#include "shared/cni/child_reply.h"

namespace nexus::bridge_plugin {
namespace {

// The helper's side. Loading libnftables and creating the context overlap the plugin's work; a failure there is
// reported when the line arrives, as the job's own error.
int run_in_helper(LineChannel& channel, const NftJob::Job& job, const NftJob::Check& check) {
  std::optional<nat::Nft> nft;
  std::exception_ptr setup_failure;
  try {
    nft.emplace();
  } catch (...) {
    setup_failure = std::current_exception();
  }
  // The check's answer comes first; after a refusal the plugin gives up and there is no job to do.
  if (check && !cni::reply_to_parent(channel, [&] {
        if (setup_failure) std::rethrow_exception(setup_failure);
        check(*nft);
      }))
    return 0;
  const auto line = channel.receive();
  if (!line) return 0;  // the plugin failed before it got that far: nothing to do
  cni::reply_to_parent(channel, [&] {
    if (setup_failure) std::rethrow_exception(setup_failure);
    job(*nft, *line);
  });
  return 0;
}

}  // namespace

NftJob::NftJob(std::string what, Job job, Check check)
    : what_(std::move(what)),
      job_(std::move(job)),
      check_(std::move(check)),
      child_(DetachedChild::start([this](LineChannel& channel) { return run_in_helper(channel, job_, check_); })) {}

void NftJob::wait_checked() {
  if (!check_ || checked_) return;
  checked_ = true;
  cni::await_reply(child_.channel(), what_);
}

void NftJob::send(const std::string& line) {
  if (!child_.channel().send(line)) throw Error(Code::Internal, what_ + ": the helper process is gone");
}

void NftJob::wait() {
  if (answered_) return;
  answered_ = true;
  wait_checked();  // its answer comes first on the channel
  cni::await_reply(child_.channel(), what_);
}

void NftJob::settle() noexcept {
  try {
    wait();
  } catch (const Error&) {
    // the job failed part-way: the caller removes whatever it put in
  }
}

std::string addresses_line(const std::vector<cni::IpConfig>& ips) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& ip : ips) addresses.push_back(ip.address.to_string());
  return addresses.dump();
}

std::vector<IpPrefix> addresses_of_line(const std::string& line) {
  std::vector<IpPrefix> out;
  for (const auto& a : nlohmann::json::parse(line)) out.push_back(parse_prefix(a.get<std::string>(), "address"));
  return out;
}

}  // namespace nexus::bridge_plugin
