// veu-landmark: a timing landmark at a known position (issue 12).
//
//   veu-landmark keygen --id ID --lat DEG --lon DEG --key-out FILE [--operator NAME]
//       new Ed25519 key (written 0600); prints the enrolment (veu.v1.LandmarkEnrolment, text)
//       to hand to the verifier's operator, as with a log key
//   veu-landmark serve --config FILE          the Measure service (veu.v1.LandmarkConfig, text)
//   veu-landmark measure --config FILE --agent HOST:PORT --epoch N --agent-public HEX
//                        --nonce HEX [--samples N] --out FILE
//       one measurement without a verifier (demo, debugging): writes the binary receipt
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <grpcpp/server_builder.h>

#include "absl/strings/numbers.h"
#include "common/flags.h"
#include "common/hex.h"
#include "common/location/challenge_wire.h"
#include "common/location/region_file.h"
#include "google/protobuf/text_format.h"
#include "landmark/landmark_service.h"

namespace {

using veu::location::Ed25519Key;

int Fail(const std::string& what) {
  std::cerr << "veu-landmark: " << what << "\n";
  return 1;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Loaded {
  veu::v1::LandmarkConfig config;
  std::unique_ptr<Ed25519Key> key;
};

absl::StatusOr<Loaded> LoadConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  Loaded l;
  if (!google::protobuf::TextFormat::ParseFromString(*text, &l.config)) {
    return absl::InvalidArgumentError(path + ": not a veu.v1.LandmarkConfig in text format");
  }
  absl::Status s = veu::location::ValidateLandmarkId(l.config.landmark_id());
  if (s.ok()) s = veu::location::ValidatePoint(veu::location::FromProto(l.config.position()), "position");
  if (!s.ok()) return absl::InvalidArgumentError(path + ": " + std::string(s.message()));
  absl::StatusOr<std::string> pem = ReadFile(l.config.key_file());
  if (!pem.ok()) return pem.status();
  absl::StatusOr<Ed25519Key> key = Ed25519Key::FromPem(*pem);
  if (!key.ok()) return absl::InvalidArgumentError(l.config.key_file() + ": " + std::string(key.status().message()));
  l.key = std::make_unique<Ed25519Key>(*std::move(key));
  return l;
}

veu::landmark::LandmarkIdentity Identity(const Loaded& l) {
  veu::landmark::LandmarkIdentity id{l.config.landmark_id(), veu::location::FromProto(l.config.position()),
                                     l.key.get()};
  if (l.config.max_samples() > 0) id.max_samples = l.config.max_samples();
  if (l.config.answer_timeout_ms() > 0) id.answer_timeout_ms = static_cast<int>(l.config.answer_timeout_ms());
  return id;
}

int Keygen(const veu::ParsedFlags& f) {
  const auto id = f.Get("id"), lat = f.Get("lat"), lon = f.Get("lon"), out = f.Get("key-out");
  double la = 0, lo = 0;
  if (!id || !lat || !lon || !out || !absl::SimpleAtod(*lat, &la) || !absl::SimpleAtod(*lon, &lo)) {
    return Fail("keygen needs --id ID --lat DEG --lon DEG --key-out FILE");
  }
  absl::Status s = veu::location::ValidateLandmarkId(*id);
  if (s.ok()) s = veu::location::ValidatePoint({la, lo}, "--lat/--lon");
  if (!s.ok()) return Fail(std::string(s.message()));
  auto key = Ed25519Key::Generate();
  if (!key.ok()) return Fail(std::string(key.status().message()));
  auto pem = key->PrivatePem();
  if (!pem.ok()) return Fail(std::string(pem.status().message()));
  const int fd = open(out->c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Fail("cannot create " + *out + " (it must not exist yet)");
  const bool written = write(fd, pem->data(), pem->size()) == static_cast<ssize_t>(pem->size());
  close(fd);
  if (!written) return Fail("cannot write " + *out);
  veu::v1::LandmarkEnrolment e;
  e.set_landmark_id(*id);
  *e.mutable_position() = veu::location::ToProto({la, lo});
  e.set_ed25519_public(key->public_raw());
  e.set_operator_(f.Get("operator").value_or(""));
  std::string text;
  google::protobuf::TextFormat::PrintToString(e, &text);
  std::cout << text;
  return 0;
}

std::unique_ptr<grpc::Server> g_server;

int Serve(const veu::ParsedFlags& f) {
  auto l = LoadConfig(f.Get("config").value_or(""));
  if (!l.ok()) return Fail(std::string(l.status().message()));
  veu::landmark::LandmarkService service(Identity(*l));
  grpc::ServerBuilder b;
  int port = 0;
  const std::string listen = l->config.listen().empty() ? "127.0.0.1:7443" : l->config.listen();
  b.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&service);
  g_server = b.BuildAndStart();
  if (!g_server || port == 0) return Fail("cannot listen on " + listen);
  if (auto pf = f.Get("port-file")) std::ofstream(*pf) << port << "\n";
  std::cerr << "veu-landmark: '" << l->config.landmark_id() << "' at "
            << veu::location::FormatPoint(veu::location::FromProto(l->config.position()))
            << " serving on port " << port << "\n";
  std::signal(SIGTERM, [](int) {});
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  g_server->Shutdown();
  return 0;
}

int MeasureOnce(const veu::ParsedFlags& f) {
  auto l = LoadConfig(f.Get("config").value_or(""));
  if (!l.ok()) return Fail(std::string(l.status().message()));
  veu::v1::MeasureRequest req;
  uint64_t epoch = 0;
  uint32_t samples = 8;
  auto pub = veu::FromHex(f.Get("agent-public").value_or(""));
  auto nonce = veu::FromHex(f.Get("nonce").value_or(""));
  if (!f.Get("agent") || !absl::SimpleAtoi(f.Get("epoch").value_or(""), &epoch) || !pub.ok() ||
      !nonce.ok() || !f.Get("out") ||
      (f.Get("samples") && !absl::SimpleAtoi(*f.Get("samples"), &samples))) {
    return Fail("measure needs --agent HOST:PORT --epoch N --agent-public HEX --nonce HEX --out FILE");
  }
  req.set_agent_address(*f.Get("agent"));
  req.set_epoch(epoch);
  req.set_agent_public(*pub);
  req.set_request_nonce(*nonce);
  req.set_samples(samples);
  auto r = veu::landmark::Measure(Identity(*l), req, [] { return absl::Now(); });
  if (!r.ok()) return Fail(std::string(r.status().message()));
  std::ofstream(*f.Get("out"), std::ios::binary) << r->SerializeAsString();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Fail("usage: veu-landmark keygen|serve|measure ... (see the header of landmark/main.cc)");
  const std::string cmd = args[0];
  args.erase(args.begin());
  auto f = veu::ParseFlags(args,
                           {"id", "lat", "lon", "key-out", "operator", "config", "port-file", "agent",
                            "epoch", "agent-public", "nonce", "samples", "out"},
                           {});
  if (!f.ok()) {
    std::cerr << "veu-landmark: " << f.status().message() << "\n";
    return 2;
  }
  if (cmd == "keygen") return Keygen(*f);
  if (cmd == "serve") return Serve(*f);
  if (cmd == "measure") return MeasureOnce(*f);
  return Fail("unknown command '" + cmd + "' (keygen, serve, measure)");
}
