#pragma once

#include <prometheus/registry.h>

#include <map>
#include <string>

namespace warden::observability::testing {

// For tests: the value of the first sample of family `name` whose labels include all of
// `want` (a histogram's sample count, a gauge's or a counter's value), or -1 when none has.
inline double SampleOf(prometheus::Registry& registry, const std::string& name,
                       const std::map<std::string, std::string>& want) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) {
      continue;
    }
    for (const prometheus::ClientMetric& metric : family.metric) {
      size_t matched = 0;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        auto it = want.find(label.name);
        matched += it != want.end() && it->second == label.value;
      }
      if (matched == want.size()) {
        if (family.type == prometheus::MetricType::Histogram) {
          return static_cast<double>(metric.histogram.sample_count);
        }
        if (family.type == prometheus::MetricType::Gauge) {
          return metric.gauge.value;
        }
        return metric.counter.value;
      }
    }
  }
  return -1;
}

}  // namespace warden::observability::testing
