#pragma once
// One nftables job of an ADD in a helper process (shared/util/detached_child.h): it loads libnftables and opens
// its context at once, while IPAM runs and the plugin plugs the veth, then runs the job on the one line the
// plugin hands it and answers. Port publishing (port_publish_helper.h) uses it.
// Start it while the plugin is still single-threaded.
#include <functional>
#include <string>
#include <vector>

#include "shared/base/ip_address.h"
#include "shared/cni/result.h"
#include "shared/nat/nft.h"
#include "shared/util/detached_child.h"

namespace nexus::bridge_plugin {

class NftJob {
 public:
  /// `job` runs in the helper with its context and the line send() gave; what it throws is the answer.
  using Job = std::function<void(nat::Nft& nft, const std::string& line)>;
  /// A read-only check the helper makes as soon as its context is open, before the line arrives; what it throws
  /// is its own, earlier answer (port publishing refuses a taken port before IPAM acts).
  using Check = std::function<void(nat::Nft& nft)>;
  /// `what` names the job in errors ("add masquerade").
  NftJob(std::string what, Job job, Check check = {});
  NftJob(const NftJob&) = delete;
  NftJob& operator=(const NftJob&) = delete;

  /// Waits for the check's answer; re-throws its error. Once: later calls (and wait()'s) return at once.
  void wait_checked();
  /// Hands the helper its line; the job runs while the plugin carries on.
  void send(const std::string& line);
  /// Waits until the job is done; re-throws its error. Once: later calls return at once.
  void wait();
  /// For a rollback: waits until the helper is done, whatever the job's outcome (it may have acted part-way).
  void settle() noexcept;

 private:
  std::string what_;
  Job job_;
  Check check_;
  DetachedChild child_;
  bool checked_ = false;
  bool answered_ = false;
};

/// The line that hands a job the container's addresses (a JSON list of their text), and back.
std::string addresses_line(const std::vector<cni::IpConfig>& ips);
std::vector<IpPrefix> addresses_of_line(const std::string& line);

}  // namespace nexus::bridge_plugin
