#pragma once
// The README as tests read it: its sections (tables that must cover every key, examples that must work).
#include <string>

namespace nexus::testutil {

/// The section of README.md under "## <title>" up to the next "## " heading; "" when there is none.
std::string readme_section(const std::string& title);

/// The body of the first fenced code block of `language` ("```json") in `text`; "" when there is none.
std::string first_code_block(const std::string& text, const std::string& language);

}  // namespace nexus::testutil
