#include "tools/generate_flags.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace gemma::tools {
namespace {

absl::StatusOr<std::optional<int>> GetInt32(const Args& args,
                                            const std::string& name) {
  GEMMA_ASSIGN_OR_RETURN(std::optional<int64_t> v, args.GetInt(name));
  if (!v.has_value()) return std::optional<int>();
  if (*v < std::numeric_limits<int>::min() ||
      *v > std::numeric_limits<int>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " is out of range: ", *v));
  }
  return std::optional<int>(static_cast<int>(*v));
}

}  // namespace

std::vector<FlagSpec> GenerationFlagSpecs() {
  return {
      {"max-new-tokens", false, "limit on generated tokens"},
      {"max-length", false, "limit on BOS + prompt + generated tokens"},
      {"stop-token-ids", false, "auto (default), none, or ids like 1,106"},
      {"stop", false, "stop string (repeatable)"},
      {"strip-prompt", true, "token_ids hold only the generated ids"},
      {"sampler", false,
       "greedy (default), random, top_k, top_p, beam, contrastive"},
      {"temperature", false, "> 0 (default 1)"},
      {"k", false, "top_k: k (default 5); top_p: optional cap; contrastive"},
      {"p", false, "top_p nucleus mass (default 0.1)"},
      {"num-beams", false, "beam: beams (default 5)"},
      {"alpha", false, "contrastive: degeneration penalty (default 0.6)"},
      {"seed", false, "seed of the random samplers"},
      {"top-logprobs", false, "log-probabilities of the n likeliest tokens"},
  };
}

absl::StatusOr<engine::GenerationParams> ParseGenerationFlags(
    const Args& args) {
  engine::GenerationParams p;
  GEMMA_ASSIGN_OR_RETURN(p.max_new_tokens, GetInt32(args, "max-new-tokens"));
  GEMMA_ASSIGN_OR_RETURN(p.max_length, GetInt32(args, "max-length"));
  const std::string stops = args.Get("stop-token-ids", "auto");
  if (stops == "auto") {
    p.stop_mode = engine::StopTokensMode::kAuto;
  } else if (stops == "none") {
    p.stop_mode = engine::StopTokensMode::kNone;
  } else {
    p.stop_mode = engine::StopTokensMode::kExplicit;
    GEMMA_ASSIGN_OR_RETURN(p.stop_token_ids,
                           ParseIdList(stops, "--stop-token-ids"));
  }
  p.stop_strings = args.GetAll("stop");
  p.strip_prompt = args.Has("strip-prompt");

  const std::string sampler = args.Get("sampler", "greedy");
  using engine::SamplerType;
  if (sampler == "greedy") {
    p.sampler.type = SamplerType::kGreedy;
  } else if (sampler == "random") {
    p.sampler.type = SamplerType::kRandom;
  } else if (sampler == "top_k") {
    p.sampler.type = SamplerType::kTopK;
  } else if (sampler == "top_p") {
    p.sampler.type = SamplerType::kTopP;
    p.sampler.k = 0;  // keras-hub's TopPSampler: k=None.
  } else if (sampler == "beam") {
    p.sampler.type = SamplerType::kBeam;
  } else if (sampler == "contrastive") {
    p.sampler.type = SamplerType::kContrastive;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--sampler must be greedy, random, top_k, top_p, beam or "
                     "contrastive, got '",
                     sampler, "'"));
  }
  GEMMA_ASSIGN_OR_RETURN(std::optional<double> temperature,
                         args.GetDouble("temperature"));
  if (temperature.has_value()) p.sampler.temperature = *temperature;
  GEMMA_ASSIGN_OR_RETURN(std::optional<int> k, GetInt32(args, "k"));
  if (k.has_value()) p.sampler.k = *k;
  GEMMA_ASSIGN_OR_RETURN(std::optional<double> top_p, args.GetDouble("p"));
  if (top_p.has_value()) p.sampler.p = *top_p;
  GEMMA_ASSIGN_OR_RETURN(std::optional<int> beams, GetInt32(args, "num-beams"));
  if (beams.has_value()) p.sampler.num_beams = *beams;
  GEMMA_ASSIGN_OR_RETURN(std::optional<double> alpha, args.GetDouble("alpha"));
  if (alpha.has_value()) p.sampler.alpha = *alpha;
  GEMMA_ASSIGN_OR_RETURN(std::optional<int64_t> seed, args.GetInt("seed"));
  if (seed.has_value()) {
    if (*seed < 0) return absl::InvalidArgumentError("--seed must be >= 0");
    p.sampler.seed = static_cast<uint64_t>(*seed);
  }
  GEMMA_ASSIGN_OR_RETURN(std::optional<int> top_logprobs,
                         GetInt32(args, "top-logprobs"));
  if (top_logprobs.has_value()) p.top_logprobs = *top_logprobs;
  return p;
}

}  // namespace gemma::tools
