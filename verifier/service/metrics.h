// Metrics: the verifier's operational figures, rendered in the Prometheus text exposition
// format (version 0.0.4) for a /metrics endpoint. Counters, gauges and fixed-bucket histograms,
// each optionally with one label; all updates are lock-free atomics except the first use of a
// new label value. Debian 12 has no prometheus-cpp; this is the small part of it we need.
//
//   Metrics m;
//   Counter& accepted = m.AddCounter("veu_appraisals_total", "Appraisals by verdict", "verdict")
//                          .With("VERDICT_ACCEPT");
//   accepted.Increment();
//   std::string page = m.Render();
#ifndef VEU_VERIFIER_SERVICE_METRICS_H_
#define VEU_VERIFIER_SERVICE_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace veu::verifier {

class Counter {
 public:
  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t by) { value_.fetch_add(by, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  void ObserveDuration(absl::Duration d) { Observe(absl::ToDoubleSeconds(d)); }
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound (Prometheus "le" buckets), then +Inf, sum and count.
  std::vector<uint64_t> Cumulative() const;
  double sum() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf bucket)
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths, so it can be an atomic integer
};

// A family: one metric name with one optional label; With() finds or makes the child.
template <typename T>
class Family {
 public:
  Family(std::string label, std::function<std::unique_ptr<T>()> make)
      : label_(std::move(label)), make_(std::move(make)) {}
  T& With(const std::string& label_value = "") {
    absl::MutexLock lock(&mu_);
    std::unique_ptr<T>& child = children_[label_value];
    if (!child) child = make_();
    return *child;
  }
  const std::string& label() const { return label_; }
  template <typename F>
  void ForEach(F f) const {
    absl::MutexLock lock(&mu_);
    for (const auto& [value, child] : children_) f(value, *child);
  }

 private:
  const std::string label_;
  const std::function<std::unique_ptr<T>()> make_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<T>> children_ ABSL_GUARDED_BY(mu_);
};

class Metrics {
 public:
  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, labels [a-zA-Z_][a-zA-Z0-9_]* (not checked
  // at run time: they are constants in our code). The returned families live as long as this.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              const std::string& label = "");
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          const std::string& label = "");
  Family<Histogram>& AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<double> upper_bounds, const std::string& label = "");
  // A gauge read when rendered (queue depths, open streams owned elsewhere).
  void AddCallbackGauge(const std::string& name, const std::string& help,
                        std::function<double()> read);

  // Every metric, in the order added, as text/plain; version=0.0.4.
  std::string Render() const;

 private:
  struct Entry {
    std::string name, help, type;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
    std::function<double()> read;
  };
  template <typename T>
  Family<T>& Add(const std::string& name, const std::string& help, const char* type,
                 std::unique_ptr<Family<T>> family, std::unique_ptr<Family<T>> Entry::*slot);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
};

// Escapes a label value for the exposition format (backslash, double quote, newline).
std::string EscapeLabelValue(const std::string& value);

}  // namespace veu::verifier

#endif  // VEU_VERIFIER_SERVICE_METRICS_H_
