// veuctl location (issue 12): a node's location verdict from landmarks' receipts, with the
// code the verifier uses (verifier/location/location_control.h).
//
//   veuctl location measure --agent HOST:PORT --agent-public HEX --epoch N
//                           --landmark-at HOST:PORT[,HOST:PORT...] --out BUNDLE [--node NAME] [--samples N]
//       draws a fresh nonce, asks every landmark (veu-landmark serve) to time the agent, and
//       writes the round (veu.v1.LocationBundle, binary)
//   veuctl location NODE --bundle BUNDLE --landmarks LANDMARKS --site LAT,LON
//                        [--radius-km R] [--country REGION_FILE] [--min-landmarks N] [--svg FILE]
//       verifies every receipt against the enrolled landmarks (LANDMARKS: veu.v1.LandmarkSet,
//       text), prints receipts, disks and verdict, and with --svg draws them
//
// Offline, the bundle's agent key is taken as given; the verifier takes it only from facts
// its quote check verified. Exit 0 within the region, 1 not proven or tamper, 2 usage/input.
#include <fstream>
#include <iostream>
#include <sstream>

#include <grpcpp/create_channel.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/crypto/random.h"
#include "common/hex.h"
#include "common/location/region_file.h"
#include "google/protobuf/text_format.h"
#include "verifier/location/location_control.h"
#include "verifier/location/svg.h"
#include "verifier/veuctl/command.h"
#include "verifier/veuctl/flags.h"
#include "veu/v1/location.grpc.pb.h"

namespace veu::veuctl {
namespace {

int Usage(const std::string& what) {
  std::cerr << "veuctl location: " << what << "\n";
  return kExitUsage;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  *out = s.str();
  return out->size() <= (64u << 20);
}

int RunMeasure(const std::vector<std::string>& args) {
  auto f = ParseFlags(args, {"agent", "agent-public", "epoch", "landmark-at", "out", "node", "samples"}, {});
  if (!f.ok()) return Usage(std::string(f.status().message()));
  uint64_t epoch = 0;
  uint32_t samples = 8;
  auto pub = FromHex(f->Get("agent-public").value_or(""));
  if (!f->Get("agent") || !pub.ok() || !absl::SimpleAtoi(f->Get("epoch").value_or(""), &epoch) ||
      !f->Get("landmark-at") || !f->Get("out") ||
      (f->Get("samples") && !absl::SimpleAtoi(*f->Get("samples"), &samples))) {
    return Usage("measure needs --agent HOST:PORT --agent-public HEX --epoch N --landmark-at HOST:PORT,... --out FILE");
  }
  veu::v1::LocationBundle bundle;
  bundle.set_node(f->Get("node").value_or(*f->Get("agent")));
  bundle.mutable_agent_key()->set_ed25519_public(*pub);
  bundle.mutable_agent_key()->set_epoch(epoch);
  bundle.mutable_agent_key()->set_responder_address(*f->Get("agent"));
  bundle.set_request_nonce(*crypto::RandomBytes(32));
  int failures = 0;
  for (absl::string_view at : absl::StrSplit(*f->Get("landmark-at"), ',', absl::SkipEmpty())) {
    auto stub = veu::v1::Landmark::NewStub(
        grpc::CreateChannel(std::string(at), grpc::InsecureChannelCredentials()));
    veu::v1::MeasureRequest req;
    req.set_agent_address(*f->Get("agent"));
    req.set_request_nonce(bundle.request_nonce());
    req.set_epoch(epoch);
    req.set_agent_public(*pub);
    req.set_samples(samples);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    veu::v1::LandmarkReceipt receipt;
    grpc::Status s = stub->Measure(&ctx, req, &receipt);
    if (!s.ok()) {
      std::cerr << "landmark at " << at << ": " << s.error_message() << "\n";
      ++failures;
      continue;
    }
    *bundle.add_receipts() = receipt;
  }
  std::ofstream out(*f->Get("out"), std::ios::binary);
  out << bundle.SerializeAsString();
  if (!out) return Usage("cannot write " + *f->Get("out"));
  std::cout << bundle.receipts_size() << " receipt(s) written to " << *f->Get("out") << "\n";
  return failures == 0 ? kExitAccepted : kExitRejected;
}

int RunLocation(const std::vector<std::string>& args) {
  auto f = ParseFlags(args, {"bundle", "landmarks", "site", "radius-km", "country", "min-landmarks", "svg"}, {});
  if (!f.ok()) return Usage(std::string(f.status().message()));
  if (f->positional.size() != 1 || !f->Get("bundle") || !f->Get("landmarks") || !f->Get("site")) {
    return Usage("usage: veuctl location NODE --bundle FILE --landmarks FILE --site LAT,LON [--radius-km R] "
                 "[--country FILE] [--min-landmarks N] [--svg FILE]");
  }
  std::string bytes, text;
  veu::v1::LocationBundle bundle;
  if (!ReadFile(*f->Get("bundle"), &bytes) || !bundle.ParseFromString(bytes)) {
    return Usage(*f->Get("bundle") + ": not a veu.v1.LocationBundle");
  }
  if (bundle.node() != f->positional[0]) {
    return Usage(absl::StrFormat("the bundle is for node '%s', not '%s'", bundle.node(), f->positional[0]));
  }
  veu::v1::LandmarkSet landmarks;
  if (!ReadFile(*f->Get("landmarks"), &text) ||
      !google::protobuf::TextFormat::ParseFromString(text, &landmarks)) {
    return Usage(*f->Get("landmarks") + ": not a veu.v1.LandmarkSet in text format");
  }
  location::AllowedRegion region;
  std::vector<std::string> ll = absl::StrSplit(*f->Get("site"), ',');
  if (ll.size() != 2 || !absl::SimpleAtod(ll[0], &region.site.lat_deg) ||
      !absl::SimpleAtod(ll[1], &region.site.lon_deg)) {
    return Usage("--site wants LAT,LON in degrees");
  }
  if (f->Get("radius-km") && !absl::SimpleAtod(*f->Get("radius-km"), &region.radius_km)) {
    return Usage("--radius-km wants a number");
  }
  if (auto c = f->Get("country")) {
    auto p = location::LoadRegionFile(*c);
    if (!p.ok()) return Usage(std::string(p.status().message()));
    region.country = *std::move(p);
  }
  uint32_t min_landmarks = 3;
  if (f->Get("min-landmarks") && !absl::SimpleAtoi(*f->Get("min-landmarks"), &min_landmarks)) {
    return Usage("--min-landmarks wants a number");
  }
  if (region.radius_km <= 0 && !region.country.has_value()) return Usage("give --radius-km or --country");

  verifier::LocationRound round{bundle.node(), "", bundle.agent_key(), bundle.request_nonce(),
                                {bundle.receipts().begin(), bundle.receipts().end()}};
  verifier::LocationOutcome out = verifier::EvaluateLocation(round, landmarks, region, min_landmarks, absl::Now());
  std::cout << "node " << bundle.node() << ", declared site " << location::FormatPoint(region.site) << "\n";
  std::cout << "agent key (taken from the bundle, not checked against a quote here): epoch "
            << bundle.agent_key().epoch() << ", " << ToHex(bundle.agent_key().ed25519_public()).substr(0, 16) << "...\n";
  for (const auto& r : out.accepted) {
    const auto& m = r.measurement();
    std::cout << absl::StrFormat("  receipt %-12s at %s: %d samples, %d refused, RTT min %.1f us -> r = %.1f km, %.1f km from the site\n",
                                 m.landmark_id, location::FormatPoint(m.position), m.samples,
                                 r.body().samples_refused(), m.rtt_min_ns / 1000.0,
                                 location::RadiusKmForRtt(m.rtt_min_ns),
                                 location::DistanceKm(m.position, region.site));
  }
  for (const auto& r : out.refused) std::cout << "  REFUSED " << r << "\n";
  std::cout << out.result.check() << ": " << veu::v1::CheckStatus_Name(out.result.status());
  if (out.result.reason() != veu::v1::REASON_UNSPECIFIED) std::cout << " (" << veu::v1::ReasonCode_Name(out.result.reason()) << ")";
  std::cout << "\n  " << out.result.detail() << "\n";
  if (out.tamper_event) std::cout << "event " << veu::v1::EventKind_Name(out.tamper_event->kind()) << ": " << out.tamper_event->detail() << "\n";
  if (auto svg = f->Get("svg")) {
    if (!out.assessment) {
      std::cerr << "veuctl location: nothing to draw (no verified receipt)\n";
    } else {
      std::ofstream o(*svg);
      o << verifier::RenderLocationSvg(*out.assessment, region, "node " + bundle.node());
      if (!o) return Usage("cannot write " + *svg);
      std::cout << "drawn to " << *svg << "\n";
    }
  }
  return out.result.status() == veu::v1::CHECK_PASS ? kExitAccepted : kExitRejected;
}

}  // namespace

VEUCTL_COMMAND(kLocation, "location",
               "location NODE --bundle FILE --landmarks FILE --site LAT,LON [--radius-km R] [--country FILE] [--svg FILE]",
               RunLocation);
VEUCTL_COMMAND(kLocationMeasure, "location measure",
               "location measure --agent HOST:PORT --agent-public HEX --epoch N --landmark-at HOST:PORT,... --out FILE",
               RunMeasure);

}  // namespace veu::veuctl
