#include "verifier/service/metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace veu::verifier {
namespace {

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return absl::StrFormat("%.17g", v);
}

std::string Labels(const std::string& label, const std::string& value,
                   const std::string& extra = "") {
  std::string out;
  if (!label.empty()) absl::StrAppend(&out, label, "=\"", EscapeLabelValue(value), "\"");
  if (!extra.empty()) absl::StrAppend(&out, out.empty() ? "" : ",", extra);
  return out.empty() ? "" : absl::StrCat("{", out, "}");
}

// HELP text escapes backslash and newline only.
std::string EscapeHelp(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_([&] {
        std::sort(upper_bounds.begin(), upper_bounds.end());
        return upper_bounds;
      }()),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(value * 1e6)),
                         std::memory_order_relaxed);
  }
}

std::vector<uint64_t> Histogram::Cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

template <typename T>
Family<T>& Metrics::Add(const std::string& name, const std::string& help, const char* type,
                        std::unique_ptr<Family<T>> family,
                        std::unique_ptr<Family<T>> Entry::*slot) {
  auto entry = std::make_unique<Entry>();
  entry->name = name;
  entry->help = help;
  entry->type = type;
  Family<T>& out = *family;
  (*entry).*slot = std::move(family);
  absl::MutexLock lock(&mu_);
  entries_.push_back(std::move(entry));
  return out;
}

Family<Counter>& Metrics::AddCounter(const std::string& name, const std::string& help,
                                     const std::string& label) {
  return Add<Counter>(name, help, "counter",
                      std::make_unique<Family<Counter>>(
                          label, [] { return std::make_unique<Counter>(); }),
                      &Entry::counters);
}

Family<Gauge>& Metrics::AddGauge(const std::string& name, const std::string& help,
                                 const std::string& label) {
  return Add<Gauge>(name, help, "gauge",
                    std::make_unique<Family<Gauge>>(label,
                                                    [] { return std::make_unique<Gauge>(); }),
                    &Entry::gauges);
}

Family<Histogram>& Metrics::AddHistogram(const std::string& name, const std::string& help,
                                         std::vector<double> upper_bounds,
                                         const std::string& label) {
  return Add<Histogram>(
      name, help, "histogram",
      std::make_unique<Family<Histogram>>(
          label, [upper_bounds] { return std::make_unique<Histogram>(upper_bounds); }),
      &Entry::histograms);
}

void Metrics::AddCallbackGauge(const std::string& name, const std::string& help,
                               std::function<double()> read) {
  auto entry = std::make_unique<Entry>();
  entry->name = name;
  entry->help = help;
  entry->type = "gauge";
  entry->read = std::move(read);
  absl::MutexLock lock(&mu_);
  entries_.push_back(std::move(entry));
}

std::string Metrics::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& e : entries_) {
    absl::StrAppend(&out, "# HELP ", e->name, " ", EscapeHelp(e->help), "\n# TYPE ", e->name, " ",
                    e->type, "\n");
    if (e->read) {
      absl::StrAppend(&out, e->name, " ", FormatValue(e->read()), "\n");
    } else if (e->counters) {
      e->counters->ForEach([&](const std::string& value, const Counter& c) {
        absl::StrAppend(&out, e->name, Labels(e->counters->label(), value), " ", c.value(), "\n");
      });
    } else if (e->gauges) {
      e->gauges->ForEach([&](const std::string& value, const Gauge& g) {
        absl::StrAppend(&out, e->name, Labels(e->gauges->label(), value), " ", g.value(), "\n");
      });
    } else if (e->histograms) {
      e->histograms->ForEach([&](const std::string& value, const Histogram& h) {
        const std::vector<uint64_t> cumulative = h.Cumulative();
        const std::string& label = e->histograms->label();
        for (size_t i = 0; i < h.bounds().size(); ++i) {
          absl::StrAppend(&out, e->name, "_bucket",
                          Labels(label, value, absl::StrCat("le=\"", FormatValue(h.bounds()[i]), "\"")),
                          " ", cumulative[i], "\n");
        }
        absl::StrAppend(&out, e->name, "_bucket", Labels(label, value, "le=\"+Inf\""), " ",
                        cumulative.back(), "\n");
        absl::StrAppend(&out, e->name, "_sum", Labels(label, value), " ", FormatValue(h.sum()),
                        "\n");
        absl::StrAppend(&out, e->name, "_count", Labels(label, value), " ", cumulative.back(),
                        "\n");
      });
    }
  }
  return out;
}

}  // namespace veu::verifier
