// IpAddress / IpPrefix text: whatever parses must print canonically, and the canonical text must parse back to
// the same value and print the same again.
#include <string>

#include "fuzz/finding.h"
#include "shared/base/ip_address.h"

using nexus::IpAddress;
using nexus::IpPrefix;
using nexus::fuzz::finding;

namespace {

void check_address(std::string_view text) {
  const auto a = IpAddress::parse(text);
  if (!a) return;
  const std::string canonical = a->to_string();
  const auto again = IpAddress::parse(canonical);
  if (!again || *again != *a) finding("address \"" + std::string(text) + "\" prints as unparsable " + canonical);
  if (again->to_string() != canonical) finding("canonical text not stable: " + canonical);
  std::uint8_t bytes[16];
  a->to_bytes(bytes);
  if (IpAddress::from_bytes(bytes, a->is_v4()) != *a) finding("byte round trip of " + canonical);
  if (auto n = a->next(); n && (n->prev() != *a || *n <= *a)) finding("next/prev of " + canonical);
}

void check_prefix(std::string_view text) {
  const auto p = IpPrefix::parse(text);
  if (!p) return;
  const std::string canonical = p->to_string();
  const auto again = IpPrefix::parse(canonical);
  if (!again || *again != *p) finding("prefix \"" + std::string(text) + "\" prints as " + canonical);
  if (!p->contains(p->address()) || !p->contains(p->network()) || !p->contains(p->last()) ||
      p->network() > p->last())
    finding("prefix " + canonical + " does not contain its own addresses");
  if (p->masked().network() != p->network()) finding("masking changes the network of " + canonical);
  if (!p->overlaps(*p) || !p->overlaps(p->masked())) finding("prefix " + canonical + " does not overlap itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const std::string_view text = nexus::fuzz::as_text(data, size);
  check_address(text);
  check_prefix(text);
  return 0;
}
