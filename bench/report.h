#pragma once
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nexus::bench {

/// Median and p95 of a set of samples, plus how many calls failed.
struct Figure {
  size_t samples = 0;
  size_t failures = 0;
  double median = 0;
  double p95 = 0;
  double max = 0;
  bool single = false;  ///< one measured value (throughput, bandwidth): no distribution
};

/// Builds a Figure from samples (nearest-rank percentiles).
Figure summarize(std::vector<double> samples, size_t failures = 0);
/// A Figure holding one value.
Figure single_value(double value, size_t failures = 0);

/// One line of the comparison. A side that did not run has no Figure ("n/a").
struct Row {
  std::string section;
  std::string metric;
  std::string unit;
  std::optional<Figure> nexus;
  std::optional<Figure> ref;
  bool baseline = false;  ///< a kernel floor, not a plugin: shown once, no ratio
};

/// Collects rows, prints the table and the JSON document.
class Report {
 public:
  void add(Row row);
  /// Records a side's result for a row identified by section+metric, creating the row on first use.
  void set(const std::string& section, const std::string& metric, const std::string& unit,
           const std::string& side, const Figure& figure);
  void note(const std::string& text);
  void print_table(std::ostream& out) const;
  nlohmann::json to_json(const nlohmann::json& run_info) const;
  size_t total_failures() const;
  /// The row with this section and metric, if it was measured.
  const Row* find(const std::string& section, const std::string& metric) const;
  /// The rows of `section`, in the order they were first set.
  std::vector<Row> rows(const std::string& section) const;

 private:
  std::vector<Row> rows_;
  std::vector<std::string> notes_;
};

}  // namespace nexus::bench
