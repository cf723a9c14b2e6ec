// gemma4-server: the composition root. Parses flags, starts the metrics
// endpoint and the gRPC server (health NOT_SERVING), loads the models into
// the engine's model pool, then serves until SIGTERM/SIGINT, when it drains:
// health NOT_SERVING, new calls UNAVAILABLE, running requests get up to
// --grace-period to finish, then the server stops.
//
// Everything is built here and passed down; nothing is global.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "engine/model_pool.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"
#include "server/drain.h"
#include "server/engine_stats_collector.h"
#include "server/gemma_service.h"
#include "server/grpc_server.h"
#include "server/server_flags.h"
#include "server/server_metrics.h"

namespace gemma::server {
namespace {

// Signals that end the server; blocked in every thread and received by
// WaitForSignal.
sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// The metrics endpoint. prometheus-cpp reports a port it cannot bind by
// throwing; that becomes a Status here.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> StartExposer(
    const std::string& host, int port) {
  const std::string address = absl::StrCat(host, ":", port);
  try {
    return std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what(),
                     "; choose another --metrics-port (or 0 to disable)"));
  }
}

std::vector<engine::ModelSpec> ModelSpecs(const ServerFlags& flags) {
  std::vector<engine::ModelSpec> specs;
  for (const ModelFlag& m : flags.models) {
    engine::ModelSpec spec;
    spec.name = m.name;
    spec.dir = m.dir;
    spec.instances = flags.instances;
    spec.kv_cache_tokens = flags.kv_cache_tokens;
    spec.queue.max_requests = flags.max_queued_requests;
    spec.scheduler.max_batch_tokens = flags.max_batch_tokens;
    spec.scheduler.max_running = flags.max_running;
    spec.scheduler.max_itl_stretch = flags.max_itl_stretch;
    spec.encoder_cache_bytes = flags.encoder_cache_bytes;
    spec.media_limits = flags.media_limits;
    specs.push_back(std::move(spec));
  }
  return specs;
}

absl::Status Run(const ServerFlags& flags, absl::Notification& stop) {
  auto registry = std::make_shared<prometheus::Registry>();
  ServerMetrics metrics(*registry);
  std::unique_ptr<prometheus::Exposer> exposer;
  if (flags.metrics_port > 0) {
    GEMMA_ASSIGN_OR_RETURN(exposer,
                           StartExposer(flags.host, flags.metrics_port));
    exposer->RegisterCollectable(registry);
    LOG(INFO) << "metrics on http://" << flags.host << ":" << flags.metrics_port
              << "/metrics";
  }

  GemmaService service(&metrics);
  GrpcServerOptions grpc_options;
  grpc_options.address = absl::StrCat(flags.host, ":", flags.port);
  grpc_options.max_message_bytes = flags.max_message_bytes;
  grpc_options.keepalive_time = flags.keepalive_time;
  grpc_options.keepalive_timeout = flags.keepalive_timeout;
  GEMMA_ASSIGN_OR_RETURN(StartedServer server,
                         StartGrpcServer(grpc_options, &service));
  LOG(INFO) << "gRPC on " << flags.host << ":" << server.port
            << " (health NOT_SERVING while the models load)";

  const absl::Time load_start = absl::Now();
  engine::PoolOptions pool_options;
  pool_options.total_threads = flags.threads;
  absl::StatusOr<std::unique_ptr<engine::ModelPool>> pool =
      engine::ModelPool::Create(ModelSpecs(flags), pool_options);
  if (!pool.ok()) {
    server.server->Shutdown();
    return pool.status();
  }
  const absl::Duration load_time = absl::Now() - load_start;
  for (const engine::ModelInfo& info : (*pool)->ListModels()) {
    metrics.SetModelLoadTime(info.name, load_time);
    LOG(INFO) << "serving model '" << info.name << "' (" << info.family << ", "
              << info.dtype << ", context " << info.context_length << ")";
  }
  auto stats = std::make_shared<EngineStatsCollector>(**pool);
  if (exposer != nullptr) exposer->RegisterCollectable(stats);
  service.AttachEngine(pool->get());
  SetServing(*server.server, true);
  LOG(INFO) << "SERVING (loaded in " << absl::FormatDuration(load_time) << ")";

  stop.WaitForNotification();

  LOG(INFO) << "draining: up to " << absl::FormatDuration(flags.grace_period)
            << " for " << (*pool)->InFlight() << " requests in flight";
  const int left =
      DrainAndShutdown(*server.server, service, **pool, flags.grace_period);
  if (exposer != nullptr) exposer->RemoveCollectable(stats);
  LOG(INFO) << "stopped; " << left
            << " requests were still running at the end of the grace period";
  return absl::OkStatus();
}

}  // namespace
}  // namespace gemma::server

int main(int argc, char** argv) {
  using gemma::server::ServerUsage;
  absl::StatusOr<gemma::server::ServerFlags> flags =
      gemma::server::ParseServerFlags(argc, argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "gemma4-server: %s\n\n%s",
                 std::string(flags.status().message()).c_str(),
                 ServerUsage().c_str());
    return 2;
  }
  if (flags->help) {
    std::printf("%s", ServerUsage().c_str());
    return 0;
  }
  // Block the termination signals before any thread starts, so that every
  // thread inherits the mask and only the waiter below receives them.
  const sigset_t signals = gemma::server::TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  absl::Notification stop;
  std::thread waiter([&signals, &stop] {
    int signal = 0;
    sigwait(&signals, &signal);
    LOG(INFO) << "received signal " << signal << "; shutting down";
    stop.Notify();
  });
  const absl::Status status = gemma::server::Run(*flags, stop);
  if (!stop.HasBeenNotified()) {
    // Run failed before a signal: wake the waiter so it can be joined.
    pthread_kill(waiter.native_handle(), SIGTERM);
  }
  waiter.join();
  if (!status.ok()) {
    LOG(ERROR) << status;
    return 1;
  }
  return 0;
}
