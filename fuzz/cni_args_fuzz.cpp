// CNI_ARGS parsing: CniArgs::parse must accept or throw nexus::Error, and what it accepts must be self-consistent.
#include <string>

#include "fuzz/finding.h"
#include "shared/base/error.h"
#include "shared/cni/args.h"

using nexus::cni::CniArgs;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const std::string_view text = nexus::fuzz::as_text(data, size);
  try {
    const CniArgs args = CniArgs::parse(text);
    // The last pair wins, and IgnoreUnknown follows its value.
    const auto ignore = args.get("IgnoreUnknown");
    const bool truthy = ignore && (*ignore == "1" || *ignore == "true" || *ignore == "True" || *ignore == "TRUE");
    if (args.ignore_unknown() != truthy) nexus::fuzz::finding("ignore_unknown() disagrees with IgnoreUnknown");
    // Every key the text names must be found again (pairs are split on ';' and then on the first '=').
    size_t pos = 0;
    while (pos <= text.size()) {
      const size_t end = std::min(text.find(';', pos), text.size());
      const std::string_view pair = text.substr(pos, end - pos);
      if (!pair.empty() && !args.get(std::string(pair.substr(0, pair.find('=')))))
        nexus::fuzz::finding("key of pair \"" + std::string(pair) + "\" is lost");
      pos = end + 1;
    }
    try {
      args.reject_unknown({"IP", "MAC"});
    } catch (const nexus::Error&) {
    }
  } catch (const nexus::Error&) {
  }
  return 0;
}
