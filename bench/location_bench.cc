// Location proofs (issue 12): how long the agent takes to answer a landmark's challenge, since
// every microsecond of it widens each disk by 0.15 km (c/2 per us of round trip).
//   BM_AnswerChallenge      the answer path alone: parse the frame, Ed25519-sign, frame the answer
//   BM_LoopbackRoundTrip    a landmark's timed round trip to the real responder over loopback TCP
//   BM_LoopbackEcho         the same socket round trip answered by an echo (no signature): the floor
// The round-trip cases report p50/p99 in microseconds and the radius the p50 implies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "agent/location/epoch_key.h"
#include "agent/location/responder.h"
#include "common/location/challenge_wire.h"
#include "common/location/disk.h"
#include "common/location/frame_io.h"

namespace veu {
namespace {

std::string Frame(uint64_t epoch) {
  return *location::EncodeChallenge(location::Challenge{epoch, std::string(32, 'n'), "lm-bench"});
}

void BM_AnswerChallenge(benchmark::State& state) {
  auto keys = *agent::EpochKeyring::Create("bench");
  const std::string frame = Frame(keys->Current()->epoch);
  for (auto _ : state) {
    auto k = keys->Current();
    auto a = location::AnswerChallenge(k->key, k->epoch, frame);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_AnswerChallenge);

void Report(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  const double p50 = us[us.size() / 2], p99 = us[us.size() * 99 / 100];
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  state.counters["p50_radius_km"] = location::RadiusKmForRtt(static_cast<uint64_t>(p50 * 1000));
  state.counters["p99_radius_km"] = location::RadiusKmForRtt(static_cast<uint64_t>(p99 * 1000));
}

void RoundTrips(benchmark::State& state, int port, const std::string& frame) {
  auto fd = location::ConnectTcp("127.0.0.1:" + std::to_string(port), 1000);
  if (!fd.ok()) {
    state.SkipWithError("connect failed");
    return;
  }
  std::vector<double> us;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    (void)location::WriteFrame(*fd, frame);
    auto a = location::ReadFrame(*fd, 1000);
    const auto t1 = std::chrono::steady_clock::now();
    if (!a.ok()) {
      state.SkipWithError("no answer");
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  close(*fd);
  Report(state, us);
}

void BM_LoopbackRoundTrip(benchmark::State& state) {
  auto keys = *agent::EpochKeyring::Create("bench");
  auto responder = *agent::ChallengeResponder::Start("127.0.0.1", 0, keys.get());
  RoundTrips(state, responder->port(), Frame(keys->Current()->epoch));
}
BENCHMARK(BM_LoopbackRoundTrip)->UseRealTime();

void BM_LoopbackEcho(benchmark::State& state) {
  const int lfd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(lfd, 1);
  socklen_t len = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread echo([lfd] {
    const int c = accept(lfd, nullptr, nullptr);
    if (c < 0) return;
    location::SetNoDelay(c);
    const std::string answer = location::EncodeAnswer(std::string(64, 's'));
    while (location::ReadFrame(c, 5000).ok()) {
      if (!location::WriteFrame(c, answer).ok()) break;
    }
    close(c);
  });
  RoundTrips(state, ntohs(addr.sin_port), Frame(1));
  shutdown(lfd, SHUT_RDWR);
  close(lfd);
  echo.join();
}
BENCHMARK(BM_LoopbackEcho)->UseRealTime();

}  // namespace
}  // namespace veu

BENCHMARK_MAIN();
