#include "shared/util/elf_note.h"

#include <elf.h>
#include <endian.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "shared/util/unique_fd.h"

namespace nexus {
namespace {

// Bounds that no executable of ours comes near; beyond them the file is not one of ours, and nothing is read.
constexpr unsigned kMaxProgramHeaders = 64;
constexpr uint64_t kMaxNoteSegment = 4096;

bool read_at(int fd, void* buf, size_t size, uint64_t offset) {
  return ::pread(fd, buf, size, static_cast<off_t>(offset)) == static_cast<ssize_t>(size);
}

bool native_elf64(const Elf64_Ehdr& h) {
  const unsigned char data = __BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB;
  return std::memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 && h.e_ident[EI_CLASS] == ELFCLASS64 &&
         h.e_ident[EI_DATA] == data && h.e_phentsize == sizeof(Elf64_Phdr) && h.e_phnum <= kMaxProgramHeaders;
}

uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

// Notes in one segment: each a header, the owner's name and the descriptor, both padded to the segment's
// alignment (4, or 8 for segments such as .note.gnu.property's).
std::optional<std::string> find_note(const std::vector<char>& seg, uint64_t align, std::string_view owner,
                                     uint32_t type) {
  uint64_t at = 0;
  while (at + sizeof(Elf64_Nhdr) <= seg.size()) {
    Elf64_Nhdr n;
    std::memcpy(&n, seg.data() + at, sizeof n);
    const uint64_t name_at = at + sizeof n;
    const uint64_t desc_at = name_at + align_up(n.n_namesz, align);
    const uint64_t next = desc_at + align_up(n.n_descsz, align);
    if (next > seg.size() || next <= at) return std::nullopt;
    // The name is stored with its terminating NUL.
    if (n.n_type == type && n.n_namesz == owner.size() + 1 &&
        std::string_view(seg.data() + name_at, owner.size()) == owner)
      return std::string(seg.data() + desc_at, n.n_descsz);
    at = next;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> read_elf_note(const std::string& path, std::string_view owner, uint32_t type) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  Elf64_Ehdr h;
  if (!read_at(fd.get(), &h, sizeof h, 0) || !native_elf64(h)) return std::nullopt;
  std::vector<Elf64_Phdr> ph(h.e_phnum);
  if (!read_at(fd.get(), ph.data(), ph.size() * sizeof(Elf64_Phdr), h.e_phoff)) return std::nullopt;
  for (const Elf64_Phdr& p : ph) {
    if (p.p_type != PT_NOTE || p.p_filesz > kMaxNoteSegment) continue;
    std::vector<char> seg(p.p_filesz);
    if (!read_at(fd.get(), seg.data(), seg.size(), p.p_offset)) continue;
    if (auto desc = find_note(seg, p.p_align == 8 ? 8 : 4, owner, type)) return desc;
  }
  return std::nullopt;
}

}  // namespace nexus
