#include "tests/testutil/private_host_dirs.h"

namespace nexus::testutil {

std::string private_host_dirs_script(const std::vector<HostDirReplacement>& dirs, const std::string& scratch) {
  // Paths are the test's own (no quotes in them); each is quoted for the shell all the same.
  std::string script =
      "set -e\n"
      "n=0\n"
      "replace() {\n"
      "  if [ ! -d \"$1\" ]; then\n"
      "    p=$1; while [ ! -d \"$p\" ]; do p=$(dirname \"$p\"); done\n"
      "    n=$((n+1)); o='" + scratch + "'/overlay$n; mkdir -p \"$o/upper\" \"$o/work\"\n"
      "    mount -t overlay overlay -o \"lowerdir=$p,upperdir=$o/upper,workdir=$o/work\" \"$p\"\n"
      "    mkdir -p \"$1\"\n"
      "  fi\n"
      "  mount --bind \"$2\" \"$1\"\n"
      "}\n";
  for (const auto& [host_path, temp_dir] : dirs) script += "replace '" + host_path + "' '" + temp_dir + "'\n";
  return script + "set +e\n";
}

}  // namespace nexus::testutil
