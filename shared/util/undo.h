#pragma once
// Rollback as data: steps registered while a procedure advances run in reverse unless commit() is called.
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace nexus {

class Undo {
 public:
  Undo() = default;
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  ~Undo() { run(); }

  /// Registers a step to run (in reverse order) if the procedure fails.
  void push(std::string what, std::function<void()> step) { steps_.emplace_back(std::move(what), std::move(step)); }
  /// The procedure succeeded: forget every step.
  void commit() noexcept { steps_.clear(); }
  /// Runs every step now, newest first; a failing step is logged to stderr and the others still run.
  void run() noexcept {
    while (!steps_.empty()) {
      auto [what, step] = std::move(steps_.back());
      steps_.pop_back();
      try {
        step();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "rollback: %s failed: %s\n", what.c_str(), e.what());
      } catch (...) {
        std::fprintf(stderr, "rollback: %s failed\n", what.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::function<void()>>> steps_;
};

}  // namespace nexus
