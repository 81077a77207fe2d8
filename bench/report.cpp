#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nexus::bench {
namespace {

double nearest_rank(const std::vector<double>& sorted, double fraction) {
  size_t rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string format_value(double v) {
  char buf[32];
  if (v >= 1000) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (v >= 100) std::snprintf(buf, sizeof buf, "%.1f", v);
  else if (v >= 10) std::snprintf(buf, sizeof buf, "%.2f", v);
  else std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string median_text(const std::optional<Figure>& f) {
  if (!f) return "n/a";
  if (f->samples == 0) return "failed";
  return format_value(f->median);
}

std::string p95_text(const std::optional<Figure>& f) {
  if (!f || f->samples == 0 || f->single) return f ? "" : "n/a";
  return format_value(f->p95);
}

std::string fail_text(const std::optional<Figure>& f) { return f ? std::to_string(f->failures) : "-"; }

std::optional<double> ratio(const Row& row) {
  if (row.baseline || !row.nexus || !row.ref || row.nexus->samples == 0 || row.ref->samples == 0 ||
      row.ref->median == 0)
    return std::nullopt;
  return row.nexus->median / row.ref->median;
}

std::string ratio_text(const Row& row) {
  if (row.baseline) return "(floor)";
  std::optional<double> r = ratio(row);
  if (!r) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *r);
  return buf;
}

nlohmann::json figure_json(const std::optional<Figure>& f) {
  if (!f) return nullptr;
  nlohmann::json j = {{"samples", f->samples}, {"failures", f->failures}, {"median", f->median}};
  if (!f->single) j.update({{"p95", f->p95}, {"max", f->max}});
  return j;
}

}  // namespace

Figure summarize(std::vector<double> samples, size_t failures) {
  Figure f;
  f.samples = samples.size();
  f.failures = failures;
  if (samples.empty()) return f;
  std::sort(samples.begin(), samples.end());
  f.median = nearest_rank(samples, 0.5);
  f.p95 = nearest_rank(samples, 0.95);
  f.max = samples.back();
  return f;
}

Figure single_value(double value, size_t failures) {
  Figure f{.samples = 1, .failures = failures, .median = value, .p95 = value, .max = value, .single = true};
  return f;
}

void Report::add(Row row) { rows_.push_back(std::move(row)); }

void Report::set(const std::string& section, const std::string& metric, const std::string& unit,
                 const std::string& side, const Figure& figure) {
  auto it = std::find_if(rows_.begin(), rows_.end(),
                         [&](const Row& r) { return r.section == section && r.metric == metric; });
  if (it == rows_.end()) {
    rows_.push_back(Row{section, metric, unit, std::nullopt, std::nullopt, false});
    it = rows_.end() - 1;
  }
  (side == "nexus" ? it->nexus : it->ref) = figure;
}

void Report::note(const std::string& text) { notes_.push_back(text); }

void Report::print_table(std::ostream& out) const {
  char line[256];
  const char* format = "%-48s %-7s %10s %10s %10s %10s %8s %5s %5s\n";
  std::string section;
  for (const Row& row : rows_) {
    if (row.section != section) {
      section = row.section;
      out << "\n== " << section << "\n";
      std::snprintf(line, sizeof line, format, "", "unit", "nexus med", "nexus p95", "ref med", "ref p95", "ratio",
                    "fail", "fail");
      out << line;
      std::snprintf(line, sizeof line, format, "", "", "", "", "", "", "nex/ref", "nex", "ref");
      out << line;
    }
    std::optional<Figure> nexus = row.baseline ? row.ref : row.nexus;
    std::snprintf(line, sizeof line, format, row.metric.c_str(), row.unit.c_str(), median_text(nexus).c_str(),
                  p95_text(nexus).c_str(), median_text(row.ref).c_str(), p95_text(row.ref).c_str(),
                  ratio_text(row).c_str(), fail_text(nexus).c_str(), fail_text(row.ref).c_str());
    out << line;
  }
  for (const std::string& n : notes_) out << "note: " << n << "\n";
}

nlohmann::json Report::to_json(const nlohmann::json& run_info) const {
  nlohmann::json rows = nlohmann::json::array();
  for (const Row& row : rows_) {
    nlohmann::json r = {{"section", row.section}, {"metric", row.metric}, {"unit", row.unit},
                        {"nexus", figure_json(row.baseline ? row.ref : row.nexus)}, {"ref", figure_json(row.ref)},
                        {"baseline", row.baseline}};
    std::optional<double> nexus_over_ref = ratio(row);
    r["ratio"] = nexus_over_ref ? nlohmann::json(*nexus_over_ref) : nlohmann::json(nullptr);
    rows.push_back(r);
  }
  return {{"run", run_info}, {"rows", rows}, {"notes", notes_}, {"failures", total_failures()}};
}

const Row* Report::find(const std::string& section, const std::string& metric) const {
  for (const Row& row : rows_)
    if (row.section == section && row.metric == metric) return &row;
  return nullptr;
}

std::vector<Row> Report::rows(const std::string& section) const {
  std::vector<Row> out;
  for (const Row& row : rows_)
    if (row.section == section) out.push_back(row);
  return out;
}

size_t Report::total_failures() const {
  size_t total = 0;
  for (const Row& row : rows_) {
    if (row.nexus) total += row.nexus->failures;
    if (row.ref && !row.baseline) total += row.ref->failures;
  }
  return total;
}

}  // namespace nexus::bench
