#include "tests/testutil/readme.h"

#include "tests/testutil/temp_dir.h"

namespace nexus::testutil {

std::string readme_section(const std::string& title) {
  const std::string readme = read_file(std::string(NEXUS_SOURCE_DIR) + "/README.md");
  const auto start = readme.find("\n## " + title);
  if (start == std::string::npos) return "";
  const auto end = readme.find("\n## ", start + 1);
  return readme.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string first_code_block(const std::string& text, const std::string& language) {
  const std::string fence = "\n```" + language + "\n";
  const auto start = text.find(fence);
  if (start == std::string::npos) return "";
  const auto body = start + fence.size();
  const auto end = text.find("\n```", body);
  return end == std::string::npos ? "" : text.substr(body, end - body + 1);
}

}  // namespace nexus::testutil
