#pragma once
// What the kernel says about the current boot: its boot ID and the wall-clock second it started. The lease
// store uses both to recognise the leases a reboot orphaned (reboot_reclaim.cpp).
#include <ctime>
#include <optional>
#include <string>

namespace nexus::ipam {

/// /proc/sys/kernel/random/boot_id without its newline: a random UUID the kernel draws at each boot. One open
/// and one read. nullopt when it cannot be read (no /proc) or is not usable as a file name component.
std::optional<std::string> kernel_boot_id();

/// The "btime" of /proc/stat: when the kernel started, in whole seconds of the wall clock, rounded down (the
/// kernel computes it at each read as the wall clock minus the time since boot). nullopt when unreadable.
std::optional<std::time_t> kernel_boot_time();

}  // namespace nexus::ipam
