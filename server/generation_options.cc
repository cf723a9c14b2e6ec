#include "server/generation_options.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/utf8_validation.h"

namespace gemma::server {
namespace {

using gemma4::v1::GenerationOptions;
using gemma4::v1::SamplerOptions;
using gemma4::v1::SamplerType;
using gemma4::v1::StopTokens;

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

absl::StatusOr<engine::SamplerParams> ToSamplerParams(
    const SamplerOptions& options) {
  engine::SamplerParams params;
  switch (options.type()) {
    case gemma4::v1::SAMPLER_TYPE_UNSPECIFIED:
    case gemma4::v1::SAMPLER_TYPE_GREEDY:
      params.type = engine::SamplerType::kGreedy;
      break;
    case gemma4::v1::SAMPLER_TYPE_RANDOM:
      params.type = engine::SamplerType::kRandom;
      break;
    case gemma4::v1::SAMPLER_TYPE_TOP_K:
      params.type = engine::SamplerType::kTopK;
      break;
    case gemma4::v1::SAMPLER_TYPE_TOP_P:
      params.type = engine::SamplerType::kTopP;
      params.k = 0;  // top_p's k is optional: none unless given.
      break;
    case gemma4::v1::SAMPLER_TYPE_BEAM:
      params.type = engine::SamplerType::kBeam;
      break;
    case gemma4::v1::SAMPLER_TYPE_CONTRASTIVE:
      params.type = engine::SamplerType::kContrastive;
      break;
    default:
      return Invalid(absl::StrCat(
          "options.sampler.type: unknown value ", options.type(),
          "; use GREEDY, RANDOM, TOP_K, TOP_P, BEAM or CONTRASTIVE"));
  }
  if (options.has_temperature()) {
    const float t = options.temperature();
    if (!std::isfinite(t) || t <= 0.0f) {
      return Invalid(absl::StrCat("options.sampler.temperature is ", t,
                                  "; it must be a finite number > 0"));
    }
    params.temperature = t;
  }
  if (options.has_k()) {
    const int k = options.k();
    if (params.type == engine::SamplerType::kTopP ? k < 0 : k < 1) {
      return Invalid(
          absl::StrCat("options.sampler.k is ", k,
                       params.type == engine::SamplerType::kTopP
                           ? "; top_p's optional k must be >= 0 (0: no cap)"
                           : "; it must be >= 1"));
    }
    params.k = k;
  }
  if (options.has_p()) {
    const float p = options.p();
    if (!std::isfinite(p) || p < 0.0f || p > 1.0f) {
      return Invalid(
          absl::StrCat("options.sampler.p is ", p, "; it must be in [0, 1]"));
    }
    params.p = p;
  }
  if (options.has_num_beams()) {
    const int n = options.num_beams();
    if (n < 1 || n > kMaxBeams) {
      return Invalid(absl::StrCat("options.sampler.num_beams is ", n,
                                  "; it must be in [1, ", kMaxBeams, "]"));
    }
    params.num_beams = n;
  }
  if (options.has_alpha()) {
    const float a = options.alpha();
    if (!std::isfinite(a) || a < 0.0f || a > 1.0f) {
      return Invalid(absl::StrCat("options.sampler.alpha is ", a,
                                  "; it must be in [0, 1]"));
    }
    params.alpha = a;
  }
  return params;
}

}  // namespace

absl::StatusOr<engine::GenerationParams> ToGenerationParams(
    const GenerationOptions& options) {
  engine::GenerationParams params;
  if (options.has_max_length()) {
    if (options.max_length() < 2) {
      return Invalid(absl::StrCat(
          "options.max_length is ", options.max_length(),
          "; it counts BOS + prompt + generated tokens and must be >= 2"));
    }
    params.max_length = options.max_length();
  }
  if (options.has_max_new_tokens()) {
    if (options.max_new_tokens() < 1) {
      return Invalid(absl::StrCat("options.max_new_tokens is ",
                                  options.max_new_tokens(),
                                  "; it must be >= 1 (or unset)"));
    }
    params.max_new_tokens = options.max_new_tokens();
  }

  const StopTokens& stops = options.stop_tokens();
  switch (stops.mode()) {
    case StopTokens::MODE_AUTO:
    case StopTokens::MODE_NONE:
      if (stops.ids_size() > 0) {
        return Invalid(
            "options.stop_tokens.ids is set but mode is not MODE_EXPLICIT; "
            "set mode = MODE_EXPLICIT to use your own stop ids");
      }
      params.stop_mode = stops.mode() == StopTokens::MODE_AUTO
                             ? engine::StopTokensMode::kAuto
                             : engine::StopTokensMode::kNone;
      break;
    case StopTokens::MODE_EXPLICIT:
      if (stops.ids_size() == 0) {
        return Invalid(
            "options.stop_tokens.mode is MODE_EXPLICIT but ids is empty; "
            "give at least one id, or use MODE_NONE");
      }
      for (int i = 0; i < stops.ids_size(); ++i) {
        if (stops.ids(i) < 0) {
          return Invalid(absl::StrCat("options.stop_tokens.ids[", i, "] is ",
                                      stops.ids(i), "; ids are >= 0"));
        }
      }
      params.stop_mode = engine::StopTokensMode::kExplicit;
      params.stop_token_ids.assign(stops.ids().begin(), stops.ids().end());
      break;
    default:
      return Invalid(absl::StrCat("options.stop_tokens.mode: unknown value ",
                                  stops.mode()));
  }

  if (options.stop_strings_size() > kMaxStopStrings) {
    return Invalid(absl::StrCat("options.stop_strings has ",
                                options.stop_strings_size(),
                                " entries; at most ", kMaxStopStrings));
  }
  for (int i = 0; i < options.stop_strings_size(); ++i) {
    const std::string& s = options.stop_strings(i);
    if (s.empty() || static_cast<int>(s.size()) > kMaxStopStringBytes) {
      return Invalid(absl::StrCat("options.stop_strings[", i, "] has ",
                                  s.size(), " bytes; it must have 1 to ",
                                  kMaxStopStringBytes));
    }
    if (!IsValidUtf8(s)) {
      return Invalid(
          absl::StrCat("options.stop_strings[", i, "] is not valid UTF-8"));
    }
    params.stop_strings.push_back(s);
  }
  params.strip_prompt = options.strip_prompt();
  GEMMA_ASSIGN_OR_RETURN(params.sampler, ToSamplerParams(options.sampler()));
  if (options.has_seed()) params.sampler.seed = options.seed();
  if (options.top_logprobs() < 0 || options.top_logprobs() > kMaxTopLogprobs) {
    return Invalid(absl::StrCat("options.top_logprobs is ",
                                options.top_logprobs(), "; it must be in [0, ",
                                kMaxTopLogprobs, "]"));
  }
  params.top_logprobs = options.top_logprobs();
  params.priority = options.priority();
  return params;
}

absl::Status CheckAgainstModel(const engine::ModelInfo& model,
                               const std::vector<engine::PromptInput>& prompts,
                               const engine::GenerationParams& params) {
  const int vocab = model.vocab_size;
  for (size_t i = 0; i < params.stop_token_ids.size(); ++i) {
    if (vocab > 0 && params.stop_token_ids[i] >= vocab) {
      return Invalid(absl::StrCat("options.stop_tokens.ids[", i, "] is ",
                                  params.stop_token_ids[i], "; model '",
                                  model.name, "' has ", vocab, " tokens"));
    }
  }
  const engine::SamplerParams& s = params.sampler;
  if (vocab > 0 && (s.type == engine::SamplerType::kTopK ||
                    s.type == engine::SamplerType::kTopP ||
                    s.type == engine::SamplerType::kContrastive)) {
    if (s.k > vocab) {
      return Invalid(absl::StrCat("options.sampler.k is ", s.k, "; model '",
                                  model.name, "' has only ", vocab, " tokens"));
    }
  }
  if (params.max_length.has_value() && model.context_length > 0 &&
      *params.max_length > model.context_length) {
    return Invalid(absl::StrCat("options.max_length is ", *params.max_length,
                                "; model '", model.name, "' accepts at most ",
                                model.context_length));
  }
  // The engine's rule: with only max_new_tokens set, the default
  // max_length does not apply (the caller asked for a number of tokens).
  const int limit = params.max_length.has_value() ? *params.max_length
                    : params.max_new_tokens.has_value()
                        ? 0
                        : model.default_max_length;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const std::vector<int32_t>& ids = prompts[i].token_ids;
    if (ids.empty()) {
      return Invalid(absl::StrCat("prompts[", i, "] is empty"));
    }
    for (size_t j = 0; j < ids.size(); ++j) {
      if (ids[j] < 0 || (vocab > 0 && ids[j] >= vocab)) {
        return Invalid(absl::StrCat("prompts[", i, "] token ", j, " is ",
                                    ids[j], "; model '", model.name,
                                    "' has token ids in [0, ", vocab, ")"));
      }
    }
    const int n = static_cast<int>(ids.size());
    if (model.context_length > 0 && n > model.context_length) {
      return Invalid(absl::StrCat("prompts[", i, "] has ", n,
                                  " tokens (BOS, template and media "
                                  "included); model '",
                                  model.name, "' has a context of ",
                                  model.context_length,
                                  " tokens; shorten the prompt"));
    }
    if (limit > 0 && n > limit) {
      return Invalid(absl::StrCat(
          "prompts[", i, "] has ", n,
          " tokens (BOS, template and media "
          "included) but ",
          params.max_length.has_value() ? "options.max_length"
                                        : "the model's default max_length",
          " is ", limit, "; set options.max_length to at least ", n,
          " (at most ", model.context_length,
          ") or set options.max_new_tokens"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gemma::server
