#include "engine/generation_params.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gemma::engine {

model::SamplingConfig ToSamplingConfig(const SamplerParams& params) {
  model::SamplingConfig c;
  switch (params.type) {
    case SamplerType::kGreedy:
      c.kind = model::SamplerKind::kGreedy;
      break;
    case SamplerType::kRandom:
      c.kind = model::SamplerKind::kRandom;
      break;
    case SamplerType::kTopK:
      c.kind = model::SamplerKind::kTopK;
      break;
    case SamplerType::kTopP:
      c.kind = model::SamplerKind::kTopP;
      break;
    case SamplerType::kBeam:
      c.kind = model::SamplerKind::kBeam;
      break;
    case SamplerType::kContrastive:
      c.kind = model::SamplerKind::kContrastive;
      break;
  }
  c.temperature = params.temperature;
  c.k = params.k;
  c.p = params.p;
  c.num_beams = params.num_beams;
  c.alpha = params.alpha;
  return c;
}

absl::Status ValidateGenerationParams(const GenerationParams& params,
                                      const ModelLimits& limits) {
  absl::Status s = model::ValidateSamplingConfig(
      ToSamplingConfig(params.sampler), limits.vocab_size);
  if (!s.ok()) return s;
  if (params.max_length.has_value()) {
    if (*params.max_length < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("max_length must be >= 1, got ", *params.max_length));
    }
    if (*params.max_length > limits.context_length) {
      return absl::InvalidArgumentError(absl::StrCat(
          "max_length ", *params.max_length,
          " exceeds the model's context length ", limits.context_length));
    }
  }
  if (params.max_new_tokens.has_value() && *params.max_new_tokens < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_new_tokens must be >= 1, got ", *params.max_new_tokens));
  }
  if (params.stop_mode == StopTokensMode::kExplicit) {
    for (int32_t id : params.stop_token_ids) {
      if (id < 0 || id >= limits.vocab_size) {
        return absl::InvalidArgumentError(absl::StrCat(
            "stop token id ", id, " is outside the vocabulary [0, ",
            limits.vocab_size, ")"));
      }
    }
  }
  for (const std::string& stop : params.stop_strings) {
    if (stop.empty()) {
      return absl::InvalidArgumentError("stop strings must not be empty");
    }
  }
  if (params.top_logprobs < 0 || params.top_logprobs > kMaxTopLogprobs) {
    return absl::InvalidArgumentError(
        absl::StrCat("top_logprobs must be in [0, ", kMaxTopLogprobs, "], got ",
                     params.top_logprobs));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> EffectiveMaxLength(const GenerationParams& params,
                                       int prompt_length,
                                       const ModelLimits& limits) {
  if (prompt_length > limits.context_length) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the prompt has ", prompt_length,
        " tokens (BOS included), more than the model's context length ",
        limits.context_length));
  }
  int limit = limits.context_length;
  if (params.max_length.has_value()) {
    if (*params.max_length < prompt_length) {
      return absl::InvalidArgumentError(absl::StrCat(
          "max_length ", *params.max_length, " is shorter than the prompt (",
          prompt_length,
          " tokens, BOS included); max_length counts prompt and generated "
          "tokens"));
    }
    limit = std::min(limit, *params.max_length);
  }
  if (params.max_new_tokens.has_value()) {
    const int64_t wanted =
        static_cast<int64_t>(prompt_length) + *params.max_new_tokens;
    limit = static_cast<int>(std::min<int64_t>(limit, wanted));
  }
  if (!params.max_length.has_value() && !params.max_new_tokens.has_value()) {
    const int def = std::min(limits.default_max_length, limits.context_length);
    if (prompt_length > def) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the prompt has ", prompt_length,
          " tokens (BOS included), more than the model's default max_length ",
          def, "; pass max_length (up to ", limits.context_length,
          ") or max_new_tokens"));
    }
    limit = def;
  }
  return limit;
}

absl::Status ValidatePrompt(const PromptInput& prompt,
                            const GenerationParams& params,
                            const ModelLimits& limits) {
  if (prompt.token_ids.empty()) {
    return absl::InvalidArgumentError(
        "the prompt is empty: it needs at least one token (keras-hub "
        "prepends <bos> to text prompts)");
  }
  for (size_t i = 0; i < prompt.token_ids.size(); ++i) {
    const int32_t id = prompt.token_ids[i];
    if (id < 0 || id >= limits.vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "prompt token ", i, " has id ", id, ", outside the vocabulary [0, ",
          limits.vocab_size, ")"));
    }
  }
  return EffectiveMaxLength(params, static_cast<int>(prompt.token_ids.size()),
                            limits)
      .status();
}

std::vector<int32_t> ResolveStopTokenIds(const GenerationParams& params,
                                         bool is_chat,
                                         const StopTokenDefaults& defaults) {
  std::vector<int32_t> ids;
  switch (params.stop_mode) {
    case StopTokensMode::kNone:
      return ids;
    case StopTokensMode::kExplicit:
      ids = params.stop_token_ids;
      break;
    case StopTokensMode::kAuto:
      ids = defaults.base;
      if (is_chat) {
        ids.insert(ids.end(), defaults.chat_extra.begin(),
                   defaults.chat_extra.end());
      }
      break;
  }
  ids.erase(
      std::remove_if(ids.begin(), ids.end(), [](int32_t id) { return id < 0; }),
      ids.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace gemma::engine
