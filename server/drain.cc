#include "server/drain.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "server/grpc_server.h"

namespace gemma::server {

int DrainAndShutdown(grpc::Server& server, GemmaService& service,
                     engine::Engine& engine, absl::Duration grace) {
  const absl::Time deadline = absl::Now() + grace;
  SetServing(server, false);
  service.StartDraining();
  engine.StartDraining();
  while (engine.InFlight() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  const int left = engine.InFlight();
  // Lets finished calls flush their last messages; cancels the rest.
  server.Shutdown(absl::ToChronoTime(
      std::max(deadline, absl::Now() + absl::Milliseconds(500))));
  return left;
}

}  // namespace gemma::server
