#include "verifier/console/timeline.h"

#include <algorithm>
#include <map>
#include <vector>

#include "common/proto_time.h"
#include "verifier/console/views.h"
#include "verifier/reports/jcs.h"
#include "verifier/reports/json_value.h"

namespace veu::console {
namespace {

using verifier::JsonValue;

JsonValue Text(const std::string& s) {
  JsonValue v;
  v.kind = JsonValue::Kind::kString;
  v.string = s;
  return v;
}

JsonValue Millis(absl::Time t) {
  JsonValue v;
  v.kind = JsonValue::Kind::kNumber;
  v.number = std::clamp<int64_t>(absl::ToUnixMillis(t), -verifier::kMaxJsonInteger,
                                 verifier::kMaxJsonInteger);
  return v;
}

struct Point {
  absl::Time at;
  veu::v1::Verdict verdict;
};

struct Segment {
  absl::Time from, to;
  std::string verdict;
};

}  // namespace

std::string TimelineJson(const veu::v1::ComplianceReport& report, const std::string& report_id) {
  const absl::Time from = FromProtoTime(report.period_from());
  const absl::Time to = FromProtoTime(report.period_to());
  std::map<std::string, std::vector<Point>> points;
  std::map<std::string, std::string> hostnames;
  for (const auto& a : report.agents()) {
    points[a.agent_id()];
    hostnames[a.agent_id()] = a.hostname();
  }
  for (const auto& a : report.appraisals()) {
    const absl::Time at = a.before_period() ? from : std::max(from, FromProtoTime(a.appraised_at()));
    points[a.agent_id()].push_back({at, a.verdict()});
  }
  int changes = 0;
  JsonValue nodes;
  nodes.kind = JsonValue::Kind::kArray;
  for (auto& [agent, list] : points) {
    std::stable_sort(list.begin(), list.end(),
                     [](const Point& x, const Point& y) { return x.at < y.at; });
    std::vector<Segment> segments;
    for (size_t i = 0; i < list.size(); ++i) {
      const absl::Time end = i + 1 < list.size() ? list[i + 1].at : to;
      if (end <= list[i].at && i + 1 < list.size()) continue;  // superseded at the same instant
      const std::string v = VerdictLabel(list[i].verdict);
      if (!segments.empty() && segments.back().verdict == v) {
        segments.back().to = end;
      } else {
        if (!segments.empty()) ++changes;
        segments.push_back({list[i].at, end, v});
      }
    }
    // Stale periods replace what they cover.
    for (const auto& stale : report.stale_periods()) {
      if (stale.agent_id() != agent) continue;
      const absl::Time s_from = std::max(from, FromProtoTime(stale.from()));
      const absl::Time s_to = stale.has_to() ? std::min(to, FromProtoTime(stale.to())) : to;
      if (s_to <= s_from) continue;
      std::vector<Segment> cut;
      for (const Segment& seg : segments) {
        if (seg.to <= s_from || seg.from >= s_to) {
          cut.push_back(seg);
          continue;
        }
        if (seg.from < s_from) cut.push_back({seg.from, s_from, seg.verdict});
        if (seg.to > s_to) cut.push_back({s_to, seg.to, seg.verdict});
      }
      cut.push_back({s_from, s_to, "STALE"});
      std::sort(cut.begin(), cut.end(),
                [](const Segment& x, const Segment& y) { return x.from < y.from; });
      segments = std::move(cut);
    }
    JsonValue node;
    node.kind = JsonValue::Kind::kObject;
    node.object.emplace_back("agent_id", Text(agent));
    node.object.emplace_back("hostname", Text(hostnames[agent]));
    JsonValue segs;
    segs.kind = JsonValue::Kind::kArray;
    for (const Segment& seg : segments) {
      JsonValue s;
      s.kind = JsonValue::Kind::kObject;
      s.object.emplace_back("from", Text(UtcTime(seg.from)));
      s.object.emplace_back("from_ms", Millis(seg.from));
      s.object.emplace_back("to_ms", Millis(seg.to));
      s.object.emplace_back("verdict", Text(seg.verdict));
      segs.array.push_back(std::move(s));
    }
    node.object.emplace_back("segments", std::move(segs));
    nodes.array.push_back(std::move(node));
  }
  JsonValue out;
  out.kind = JsonValue::Kind::kObject;
  out.object.emplace_back("report_id", Text(report_id));
  out.object.emplace_back("from", Text(UtcTime(from)));
  out.object.emplace_back("to", Text(UtcTime(to)));
  out.object.emplace_back("from_ms", Millis(from));
  out.object.emplace_back("to_ms", Millis(to));
  JsonValue n;
  n.kind = JsonValue::Kind::kNumber;
  n.number = changes;
  out.object.emplace_back("changes", std::move(n));
  out.object.emplace_back("nodes", std::move(nodes));
  return verifier::CanonicalJson(out);
}

}  // namespace veu::console
