#include "launcher/launcher_error.h"

#include "shared/base/error.h"

namespace nexus::launcher {

std::string hint_of(const std::exception& e) {
  if (const auto* own = dynamic_cast<const LauncherError*>(&e)) return own->hint();
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->details();
  return {};
}

}  // namespace nexus::launcher
