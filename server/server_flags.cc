#include "server/server_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace gemma::server {
namespace {

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

template <typename T>
absl::Status ParseInt(const std::string& flag, const std::string& value, T min,
                      T max, T* out) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(value, &v) || v < min || v > max) {
    return Invalid(absl::StrCat("--", flag, " is '", value,
                                "'; expected an integer in [", min, ", ", max,
                                "]"));
  }
  *out = static_cast<T>(v);
  return absl::OkStatus();
}

absl::Status ParseSeconds(const std::string& flag, const std::string& value,
                          absl::Duration* out) {
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds) || !(seconds >= 0) ||
      seconds > 86400) {
    return Invalid(absl::StrCat("--", flag, " is '", value,
                                "'; expected seconds in [0, 86400]"));
  }
  *out = absl::Seconds(seconds);
  return absl::OkStatus();
}

absl::Status ParseModel(const std::string& value, ServerFlags& flags) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    return Invalid(absl::StrCat("--model is '", value,
                                "'; expected NAME=DIR, e.g. "
                                "--model gemma4-e2b=/models/gemma-4-e2b-it"));
  }
  ModelFlag model{value.substr(0, eq), value.substr(eq + 1)};
  for (const ModelFlag& m : flags.models) {
    if (m.name == model.name) {
      return Invalid(
          absl::StrCat("--model: the name '", model.name, "' is given twice"));
    }
  }
  flags.models.push_back(std::move(model));
  return absl::OkStatus();
}

absl::Status Apply(const std::string& flag, const std::string& value,
                   ServerFlags& flags) {
  if (flag == "model") return ParseModel(value, flags);
  if (flag == "host") {
    if (value.empty()) return Invalid("--host is empty");
    flags.host = value;
    return absl::OkStatus();
  }
  if (flag == "port") return ParseInt(flag, value, 0, 65535, &flags.port);
  if (flag == "metrics-port") {
    return ParseInt(flag, value, 0, 65535, &flags.metrics_port);
  }
  if (flag == "grace-period") {
    return ParseSeconds(flag, value, &flags.grace_period);
  }
  if (flag == "max-message-size") {
    return ParseInt<int64_t>(flag, value, 1024, (int64_t{1} << 31) - 1,
                             &flags.max_message_bytes);
  }
  if (flag == "threads") return ParseInt(flag, value, 0, 4096, &flags.threads);
  if (flag == "instances") {
    return ParseInt(flag, value, 1, 256, &flags.instances);
  }
  if (flag == "kv-cache-tokens") {
    return ParseInt<int64_t>(flag, value, 16, int64_t{1} << 30,
                             &flags.kv_cache_tokens);
  }
  if (flag == "max-queued-requests") {
    return ParseInt(flag, value, 1, 1 << 20, &flags.max_queued_requests);
  }
  if (flag == "max-batch-tokens") {
    return ParseInt(flag, value, 1, 1 << 20, &flags.max_batch_tokens);
  }
  if (flag == "max-running") {
    return ParseInt(flag, value, 1, 4096, &flags.max_running);
  }
  if (flag == "max-itl-stretch") {
    double v = 0;
    if (!absl::SimpleAtod(value, &v) || !(v == 0 || (v >= 1 && v <= 1000))) {
      return Invalid(absl::StrCat("--", flag, " is '", value,
                                  "'; expected 0 (off) or a ratio in "
                                  "[1, 1000]"));
    }
    flags.max_itl_stretch = v;
    return absl::OkStatus();
  }
  if (flag == "encoder-cache-bytes") {
    return ParseInt<int64_t>(flag, value, 0, int64_t{1} << 40,
                             &flags.encoder_cache_bytes);
  }
  if (flag == "max-media-parts") {
    return ParseInt(flag, value, 0, 4096, &flags.media_limits.max_parts);
  }
  if (flag == "max-image-pixels") {
    return ParseInt<int64_t>(flag, value, 1, int64_t{1} << 40,
                             &flags.media_limits.max_image_pixels);
  }
  if (flag == "max-audio-seconds") {
    absl::Duration d;
    GEMMA_RETURN_IF_ERROR(ParseSeconds(flag, value, &d));
    flags.media_limits.max_audio_seconds = absl::ToDoubleSeconds(d);
    return absl::OkStatus();
  }
  if (flag == "max-video-frames") {
    return ParseInt(flag, value, 0, 4096, &flags.media_limits.max_video_frames);
  }
  if (flag == "keepalive-time") {
    return ParseSeconds(flag, value, &flags.keepalive_time);
  }
  if (flag == "keepalive-timeout") {
    return ParseSeconds(flag, value, &flags.keepalive_timeout);
  }
  return Invalid(absl::StrCat("unknown flag --", flag, "; see --help"));
}

}  // namespace

std::string ServerUsage() {
  return R"(Usage: gemma4-server --model NAME=DIR [--model NAME=DIR ...] [flags]

Serves Gemma 4 models over gRPC (gemma4.v1.Gemma, grpc.health.v1, server
reflection) and Prometheus metrics over HTTP.

  --model NAME=DIR         a checkpoint directory (Keras preset or Hugging
                           Face layout) served under NAME; repeatable
  --host ADDR              address to listen on (default 0.0.0.0)
  --port P                 gRPC port (default 50051; 0 picks one)
  --metrics-port M         /metrics port (default 9090; 0 disables)
  --grace-period S         on SIGTERM, seconds to let running requests
                           finish (default 30)
  --max-message-size B     largest request/response in bytes (default
                           67108864 = 64 MiB); larger: RESOURCE_EXHAUSTED
  --threads N              cores for all models together (default 0: all)
  --instances N            engine instances per model (default 1)
  --kv-cache-tokens N      KV-cache positions per instance (default 16384)
  --max-queued-requests N  waiting requests per instance before new ones
                           get RESOURCE_EXHAUSTED (default 256)
  --max-batch-tokens N     tokens per engine step, decode tokens plus
                           prefill chunks (default 512)
  --max-running N          sequences decoding at once per instance
                           (default 64; 1 serves one request at a time)
  --max-itl-stretch R      while streams decode, a step that also prefills
                           new prompts may take at most R times as long as
                           the decodes alone, as measured steps predict
                           (default 1.5; 0: only --max-batch-tokens limits)
  --encoder-cache-bytes B  cache of image/audio encoder outputs per model,
                           by content hash (default 268435456; 0: off)
  --max-media-parts N      images + audio clips per request (default 16)
  --max-image-pixels N     width x height of one image (default 52428800)
  --max-audio-seconds S    length of one audio clip (default 30)
  --max-video-frames N     frames of one video (default 32)
                           (a request over a limit: INVALID_ARGUMENT)
  --keepalive-time S       ping idle connections every S seconds (default 60)
  --keepalive-timeout S    drop a connection whose ping is unanswered after
                           S seconds (default 20)
  --help                   this text
)";
}

absl::StatusOr<ServerFlags> ParseServerFlags(int argc,
                                             const char* const* argv) {
  ServerFlags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return flags;
    }
    if (!absl::StartsWith(arg, "--")) {
      return Invalid(
          absl::StrCat("unexpected argument '", arg, "'; flags start with --"));
    }
    arg = arg.substr(2);
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Invalid(absl::StrCat("--", arg, " needs a value"));
    }
    GEMMA_RETURN_IF_ERROR(Apply(arg, value, flags));
  }
  if (flags.models.empty()) {
    return Invalid("no model to serve; pass --model NAME=DIR");
  }
  return flags;
}

}  // namespace gemma::server
